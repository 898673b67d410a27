package dev.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.io.ModelFiles;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.train.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rnn4j export}: a trained checkpoint's model as PyTorch's files. */
@Tag("integration")
@Tag("cli")
class ExportCommandTest {
  @TempDir Path tmp;

  @Test
  void exportsTheCheckpointsModelAsAStateDict() throws IOException {
    Path run = tmp.resolve("run");
    CliRun train =
        CliRun.of(
            "train",
            "--epochs",
            "1",
            "--hidden-size",
            "8",
            "--num-layers",
            "1",
            "--device",
            "cpu",
            "--out",
            run.toString());
    assertEquals(0, train.exitCode(), train.describe());
    Path ckpt = run.resolve("checkpoint.safetensors");
    CliRun export =
        CliRun.of(
            "export", "--checkpoint", ckpt.toString(), "--output", tmp.resolve("model").toString());
    assertEquals(0, export.exitCode(), export.describe());
    Checkpoint c = Checkpoint.read(ckpt);
    try (SequenceModel model = ModelFiles.read(tmp.resolve("model"))) {
      assertEquals(c.config().model(), model.config());
      assertEquals(c.weights(), model.stateDict());
    }
  }

  @Test
  void aMissingCheckpointFailsWithOneLine() {
    CliRun run =
        CliRun.of(
            "export",
            "--checkpoint",
            tmp.resolve("none.safetensors").toString(),
            "--output",
            tmp.resolve("out").toString());
    assertEquals(1, run.exitCode());
    assertEquals(1, run.errLines().size(), run.describe());
    assertTrue(run.err().startsWith("rnn4j export: --checkpoint "), run.describe());
    assertTrue(Files.notExists(tmp.resolve("out")));
  }
}
