package dev.rnn4j.cli;

import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.Device;
import dev.rnn4j.io.ModelFiles;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.MemoryEstimate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rnn4j export}: a checkpoint's model as PyTorch reads it, {@code model.json} and {@code
 * weights.safetensors} (the model's {@code state_dict}); see {@link ModelFiles}.
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    header =
        "Writes a checkpoint's model as a PyTorch state_dict (safetensors) and its config (JSON).",
    description = {
      "DIR receives model.json (the constructor arguments of the rnn and the head) and weights.safetensors "
          + "(rnn.weight_ih_l0, ..., head.weight, head.bias), which PyTorch loads with "
          + "model.load_state_dict(safetensors.torch.load_file(...)). Normalization statistics stay in the "
          + "checkpoint; they are in its metadata.",
      "",
      "DIR is created if missing; a DIR that already holds model.json or weights.safetensors is "
          + "refused, never overwritten.",
      "",
      "On any error: one line on stderr and exit code 1, and no partial model is left in DIR."
    })
final class ExportCommand implements Runnable {
  @Spec private CommandSpec spec;

  @Option(
      names = "--checkpoint",
      required = true,
      paramLabel = "CKPT",
      description =
          "A checkpoint of train: checkpoint.safetensors (the last epoch) or "
              + "best.safetensors (the epoch of lowest validation loss).")
  private Path checkpoint;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "DIR",
      description = "The folder to write.")
  private Path output;

  @Override
  public void run() {
    OutputPaths.checkFolder("--output", output);
    List<String> earlier =
        Stream.of(ModelFiles.CONFIG, ModelFiles.WEIGHTS)
            .filter(name -> Files.exists(output.resolve(name)))
            .toList();
    if (!earlier.isEmpty()) {
      throw new IllegalArgumentException(
          String.format(
              "--output %s: already holds %s of an earlier export; name a new folder, or remove %s"
                  + " first",
              output, String.join(" and ", earlier), earlier.size() == 1 ? "it" : "them"));
    }
    Checkpoint c = TrainingFiles.readCheckpoint("--checkpoint", checkpoint);
    // The model is built on the CPU only to be written: its parameters, no pass.
    MemoryEstimate.inference(c.config().model(), DType.FLOAT32, 1, 1, 0, Device.CPU)
        .checkFits(Backends.cpu(), PredictCommand::advice);
    boolean created = !Files.exists(output);
    try (SequenceModel model = SequenceModel.fromStateDict(c.config().model(), c.weights())) {
      ModelFiles.write(output, model);
    } catch (IOException e) {
      removePartial(created, e);
      throw new IllegalArgumentException(Failures.describe("--output", output, e), e);
    }
    spec.commandLine()
        .getOut()
        .println(
            "wrote "
                + output.resolve(ModelFiles.CONFIG)
                + " and "
                + output.resolve(ModelFiles.WEIGHTS));
  }

  /**
   * After a failed write, removes what this run wrote: each file was written atomically, so a file
   * present is a whole one, but a model without its config (or weights) is of no use.
   */
  private void removePartial(boolean created, IOException failure) {
    try {
      Files.deleteIfExists(output.resolve(ModelFiles.WEIGHTS));
      Files.deleteIfExists(output.resolve(ModelFiles.CONFIG));
      if (created) {
        Files.deleteIfExists(output);
      }
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
  }
}
