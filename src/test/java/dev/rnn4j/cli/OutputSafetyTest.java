package dev.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rnn4j.io.ModelFiles;
import dev.rnn4j.io.Safetensors;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * What the commands write: output paths checked before any work, atomic files, no debris of
 * interrupted saves, write errors on standard output, and corrupt weight files refused.
 */
@Tag("integration")
@Tag("cli")
class OutputSafetyTest {
  @TempDir static Path shared;

  @TempDir Path tmp;

  private static Path run;
  private static Path checkpoint;

  @BeforeAll
  static void train() {
    run = shared.resolve("run");
    CliRun r = TrainCommandTest.train(run, "--epochs", "1", "--window", "8", "--horizon", "2");
    assertEquals(0, r.exitCode(), r.describe());
    checkpoint = run.resolve(TrainCommand.CHECKPOINT);
  }

  @Test
  void outputPathsAreCheckedBeforeAnyInputIsRead() throws IOException {
    Path absent =
        tmp.resolve("absent.safetensors"); // every input is missing: the output fails first
    Path noDir = tmp.resolve("no").resolve("out.csv");
    Path file = Files.writeString(tmp.resolve("file.txt"), "x");
    Path dir = Files.createDirectories(tmp.resolve("dir"));

    assertOneLine(
        "rnn4j predict: --output " + noDir + ": no such directory: " + noDir.getParent(),
        CliRun.of("predict", "--checkpoint", absent.toString(), "--output", noDir.toString()));
    assertOneLine(
        "rnn4j predict: --output " + dir + ": is a directory; name a file to write",
        CliRun.of("predict", "--checkpoint", absent.toString(), "--output", dir.toString()));
    assertOneLine(
        "rnn4j export: --output "
            + file
            + ": is a file, not a folder; name a folder to write into"
            + " (it is created if missing)",
        CliRun.of("export", "--checkpoint", absent.toString(), "--output", file.toString()));
    assertOneLine(
        "rnn4j export: --output "
            + file.resolve("sub")
            + ": "
            + file
            + " is a file, so no folder can be created under it",
        CliRun.of(
            "export",
            "--checkpoint",
            absent.toString(),
            "--output",
            file.resolve("sub").toString()));
    for (String command : List.of("forward", "backward")) {
      List<String> args =
          new java.util.ArrayList<>(
              List.of(
                  command,
                  "--config",
                  absent.toString(),
                  "--weights",
                  absent.toString(),
                  "--input",
                  absent.toString(),
                  "--output",
                  dir.toString()));
      if (command.equals("backward")) {
        args.addAll(List.of("--grad", absent.toString()));
      }
      assertOneLine(
          "rnn4j " + command + ": --output " + dir + ": is a directory; name a file to write",
          CliRun.of(args.toArray(String[]::new)));
    }
    assertOneLine(
        "rnn4j bench: --json " + dir + ": is a directory; name a file to write",
        CliRun.of("bench", "--only", "S1", "--json", dir.toString()));
    assertOneLine(
        "rnn4j train: --out "
            + file
            + ": is a file, not a folder; name a folder to write into (it"
            + " is created if missing)",
        TrainCommandTest.train(file, "--epochs", "1"));
    assertOneLine(
        "rnn4j train: --out "
            + file
            + ": is a file, not a folder; name a folder to write into (it"
            + " is created if missing)",
        TrainCommandTest.train(file, "--epochs", "1", "--task", "classification"));
  }

  @Test
  void exportRefusesAnEarlierExportAndWritesAWholeOneElsewhere() throws IOException {
    Path out = tmp.resolve("model");
    CliRun first =
        CliRun.of("export", "--checkpoint", checkpoint.toString(), "--output", out.toString());
    assertEquals(0, first.exitCode(), first.describe());
    assertEquals(
        List.of(out.resolve(ModelFiles.CONFIG), out.resolve(ModelFiles.WEIGHTS)), list(out));
    assertTrue(
        Safetensors.read(out.resolve(ModelFiles.WEIGHTS))
            .metadata()
            .containsKey(Safetensors.DATA_CHECKSUM_KEY));
    byte[] before = Files.readAllBytes(out.resolve(ModelFiles.WEIGHTS));

    assertOneLine(
        "rnn4j export: --output "
            + out
            + ": already holds model.json and weights.safetensors of"
            + " an earlier export; name a new folder, or remove them first",
        CliRun.of("export", "--checkpoint", checkpoint.toString(), "--output", out.toString()));
    assertTrue(
        java.util.Arrays.equals(before, Files.readAllBytes(out.resolve(ModelFiles.WEIGHTS))));
  }

  @Test
  void predictWritesItsFileWholeAndLeavesNoTemporary() throws IOException {
    Path out = Files.writeString(tmp.resolve("forecast.csv"), "old\n");
    CliRun r =
        CliRun.of(
            "predict",
            "--checkpoint",
            checkpoint.toString(),
            "--output",
            out.toString(),
            "--device",
            "cpu");
    assertEquals(0, r.exitCode(), r.describe());
    assertTrue(Files.readString(out).startsWith("row,h1,h2\n"));
    assertEquals(List.of(out), list(tmp));
  }

  @Test
  void aFailedWriteToStandardOutputExitsOneWithOneLine() {
    CommandLine cli = Main.commandLine();
    StringWriter err = new StringWriter();
    cli.setOut(
        new PrintWriter(
            new OutputStream() {
              @Override
              public void write(int b) throws IOException {
                throw new IOException("No space left on device");
              }
            },
            true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute("predict", "--checkpoint", checkpoint.toString(), "--device", "cpu");
    assertEquals(1, exit, err.toString());
    assertEquals(
        List.of("rnn4j predict: standard output: write error (the output is incomplete)"),
        err.toString().lines().toList());
  }

  @Test
  void predictToDevFullExitsNonZeroInAFreshJvm() throws IOException, InterruptedException {
    File full = new File("/dev/full");
    assumeTrue(full.exists(), "no /dev/full on this system");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "predict",
                "--checkpoint",
                checkpoint.toString(),
                "--device",
                "cpu")
            .redirectOutput(full)
            .start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "predict did not finish");
    assertEquals(1, p.exitValue(), err);
    assertEquals(
        List.of(
            "rnn4j predict: standard output: write error: No space left on device (the output"
                + " is incomplete)"),
        err.lines().toList());
  }

  @Test
  void resumeRemovesStaleTemporariesOfInterruptedSaves() throws IOException {
    Path dir = tmp.resolve("copy");
    Files.createDirectories(dir);
    Path ckpt = Files.copy(checkpoint, dir.resolve(TrainCommand.CHECKPOINT));
    FileTime old = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
    Path killed = dir.resolve(".checkpoint.safetensors.00000000deadbeef.tmp");
    Path plot = dir.resolve(".loss.png.0123456789abcdef.tmp");
    for (Path p : List.of(killed, plot)) {
      Files.writeString(p, "half a save");
      Files.setLastModifiedTime(p, old);
    }
    CliRun r = CliRun.of("train", "--resume", ckpt.toString(), "--epochs", "2", "--device", "cpu");
    assertEquals(0, r.exitCode(), r.describe());
    assertFalse(Files.exists(killed));
    assertFalse(Files.exists(plot));
    try (Stream<Path> files = Files.list(dir)) {
      assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")));
    }
  }

  @Test
  void aCheckpointWithAFlippedTensorByteIsRefused() throws IOException {
    Path corrupt = tmp.resolve("corrupt.safetensors");
    byte[] bytes = Files.readAllBytes(checkpoint);
    bytes[bytes.length - 5] ^= 0x10;
    Files.write(corrupt, bytes);
    CliRun r = CliRun.of("predict", "--checkpoint", corrupt.toString(), "--device", "cpu");
    assertEquals(1, r.exitCode(), r.describe());
    assertEquals(1, r.errLines().size(), r.describe());
    assertTrue(
        r.errLines()
            .get(0)
            .matches(
                "rnn4j predict: not a readable checkpoint: "
                    + java.util.regex.Pattern.quote(corrupt.toString())
                    + ": tensor data checksum mismatch \\(stored [0-9a-f]{12}\\.\\.\\., computed"
                    + " [0-9a-f]{12}\\.\\.\\.\\): the file is corrupt"),
        r.describe());
  }

  private static void assertOneLine(String expected, CliRun run) {
    assertEquals(List.of(expected), run.errLines(), run.describe());
    assertEquals(1, run.exitCode(), run.describe());
  }

  private static List<Path> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }
}
