package dev.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.io.Safetensors;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.io.SafetensorsWriter;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.train.Checkpoint;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Sizes are checked before memory is spent: the typos of issue 23 ({@code --hidden-size 20000},
 * {@code --num-layers 10000}) and a checkpoint crafted to say {@code num_layers} 2147483647 are
 * refused at once with one line, in a JVM of the user's kind and in-process; an {@link
 * OutOfMemoryError} that still happens gets one line too. These are not speed tests: the bound
 * asserted is 30 s, where the refusals take about a JVM's start.
 */
@Tag("integration")
@Tag("cli")
class SizesBeforeMemoryTest {
  private static final long LIMIT_SECONDS = 30;

  @TempDir static Path shared;
  private static Path crafted;

  @TempDir Path tmp;

  /**
   * A real checkpoint whose model metadata is rewritten to 2147483647 layers, its checksum
   * recomputed as an attacker would (the same function over the new metadata), so that what refuses
   * it is the bound and not the checksum.
   */
  @BeforeAll
  static void craftCheckpoint() throws Exception {
    Path run = shared.resolve("run");
    CliRun trained =
        TrainCommandTest.train(run, "--epochs", "1", "--hidden-size", "4", "--num-layers", "1");
    assertEquals(0, trained.exitCode(), trained.describe());
    SafetensorsFile file = Safetensors.read(run.resolve(TrainCommand.CHECKPOINT));
    Map<String, String> meta = new LinkedHashMap<>(file.metadata());
    meta.remove("checksum");
    // The data section's checksum is the writer's to compute again, as Checkpoint.write does.
    meta.remove(Safetensors.DATA_CHECKSUM_KEY);
    String model = meta.get("model");
    assertTrue(model.contains("\"num_layers\": 1,"), model);
    meta.put("model", model.replace("\"num_layers\": 1,", "\"num_layers\": 2147483647,"));
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (String name : file.names()) {
      tensors.put(name, file.tensor(name));
    }
    Method checksum = Checkpoint.class.getDeclaredMethod("checksum", Map.class, Map.class);
    checksum.setAccessible(true);
    SafetensorsWriter writer = Safetensors.writer().dataChecksum();
    tensors.forEach(writer::put);
    meta.forEach(writer::metadata);
    writer.metadata("checksum", (String) checksum.invoke(null, tensors, meta));
    crafted = shared.resolve("crafted.safetensors");
    writer.write(crafted);
  }

  @Test
  void hiddenSize20000IsRefusedBeforeAnythingIsWritten() throws IOException {
    Path out = tmp.resolve("big");
    CliRun run = CliRun.of("train", "--hidden-size", "20000", "--out", out.toString());
    assertEquals(1, run.exitCode(), run.describe());
    assertEquals("", run.out(), run.describe());
    assertEquals(1, run.errLines().size(), run.describe());
    String line = run.errLines().get(0);
    assertTrue(
        line.startsWith("rnn4j train: not enough memory for training: it needs about "), line);
    assertTrue(line.contains(" on the JVM heap (parameters "), line);
    assertTrue(
        line.endsWith(
            "; lower --hidden-size or --num-layers, or give the JVM more heap " + "(-Xmx)"),
        line);
    assertFalse(Files.exists(out), "no output folder is left");
  }

  @Test
  void numLayers10000IsRefusedByItsBound() {
    Path out = tmp.resolve("deep");
    CliRun run = CliRun.of("train", "--num-layers", "10000", "--out", out.toString());
    assertEquals(1, run.exitCode(), run.describe());
    assertEquals(
        List.of("rnn4j train: --num-layers must be at most 1024, got 10000"), run.errLines());
    assertFalse(Files.exists(out));
    run =
        CliRun.of(
            "train",
            "--task",
            "classification",
            "--batch-size",
            "2147483647",
            "--out",
            out.toString());
    assertEquals(
        List.of("rnn4j train: --batch-size must be at most 16777216, got 2147483647"),
        run.errLines());
  }

  @Test
  void aCheckpointThatClaims2147483647LayersIsRefusedByEveryCommand() {
    String expected =
        crafted
            + ": checkpoint metadata is invalid: num_layers must be at most "
            + "1024, got 2147483647";
    for (List<String> args :
        List.of(
            List.of("predict", "--checkpoint", crafted.toString()),
            List.of(
                "export",
                "--checkpoint",
                crafted.toString(),
                "--output",
                tmp.resolve("export").toString()),
            List.of(
                "train", "--resume", crafted.toString(), "--out", tmp.resolve("r").toString()))) {
      CliRun run = CliRun.of(args.toArray(String[]::new));
      assertEquals(1, run.exitCode(), args + ": " + run.describe());
      assertEquals(
          List.of("rnn4j " + args.get(0) + ": " + expected),
          run.errLines(),
          args + ": " + run.describe());
    }
  }

  /**
   * The acceptance of issue 23 as the user meets it: a JVM of its own with a small heap, each
   * command refused with one line and exit 1, no {@code OutOfMemoryError}; the CPU named, so that
   * no device's fallback warning joins the line.
   */
  @Test
  void inAJvmOfTheirOwnEachRefusalIsOneLine() throws Exception {
    String craftedLine =
        "rnn4j predict: "
            + crafted
            + ": checkpoint metadata is invalid: "
            + "num_layers must be at most 1024, got 2147483647";
    Object[][] cases = {
      {
        List.of(
            "train",
            "--hidden-size",
            "20000",
            "--device",
            "cpu",
            "--out",
            tmp.resolve("a").toString()),
        "rnn4j train: not enough memory for training: it needs about "
      },
      {
        List.of(
            "train",
            "--num-layers",
            "10000",
            "--device",
            "cpu",
            "--out",
            tmp.resolve("b").toString()),
        "rnn4j train: --num-layers must be at most 1024, got 10000"
      },
      {List.of("predict", "--checkpoint", crafted.toString(), "--device", "cpu"), craftedLine},
    };
    for (Object[] c : cases) {
      @SuppressWarnings("unchecked")
      List<String> args = (List<String>) c[0];
      // As the jar runs: relaunched with the Vector API's module, the heap's limit passed on.
      List<String> command =
          new ArrayList<>(
              List.of(
                  ProcessHandle.current().info().command().orElseThrow(),
                  "-Xmx256m",
                  "-cp",
                  System.getProperty("java.class.path"),
                  Main.class.getName()));
      command.addAll(args);
      Process p =
          new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      boolean done = p.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS);
      if (!done) {
        p.destroyForcibly();
      }
      assertTrue(done, args + " did not finish in " + LIMIT_SECONDS + " s");
      assertEquals(1, p.exitValue(), args + ": " + err);
      List<String> lines = err.lines().toList();
      assertEquals(1, lines.size(), args + ": " + err);
      assertTrue(lines.get(0).startsWith((String) c[1]), args + ": " + err);
      assertFalse(err.contains("OutOfMemoryError"), err);
    }
  }

  /** A command that runs out of memory, directly or in a worker whose error arrives wrapped. */
  @Command(name = "oom")
  static final class OutOfMemoryCommand implements Runnable {
    @CommandLine.Option(names = "--wrapped")
    boolean wrapped;

    @Override
    public void run() {
      OutOfMemoryError e = new OutOfMemoryError("Java heap space");
      if (wrapped) {
        throw new IllegalStateException(e);
      }
      throw e;
    }
  }

  @Test
  void anOutOfMemoryErrorThatStillHappensIsOneLine() {
    for (String[] args : new String[][] {{}, {"--wrapped"}}) {
      CommandLine cli =
          new CommandLine(new OutOfMemoryCommand())
              .setExecutionExceptionHandler(Failures::handle)
              .setExecutionStrategy(Failures::execute);
      java.io.StringWriter err = new java.io.StringWriter();
      cli.setErr(new java.io.PrintWriter(err, true));
      assertEquals(1, cli.execute(args));
      List<String> lines = err.toString().lines().toList();
      assertEquals(1, lines.size(), err.toString());
      assertTrue(
          lines
              .get(0)
              .matches(
                  "rnn4j oom: out of memory \\(Java heap space\\) with a heap of at most [0-9.]+"
                      + " GiB: lower the sizes, or give the JVM more heap \\(-Xmx\\)"),
          lines.get(0));
    }
  }
}
