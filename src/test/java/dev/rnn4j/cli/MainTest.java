package dev.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("integration")
@Tag("cli")
class MainTest {

  @Test
  void helpListsTheCommands() {
    CliRun run = CliRun.of("--help");
    assertEquals(0, run.exitCode(), run.describe());
    assertTrue(run.out().contains("Usage: rnn4j"), run.describe());
    assertTrue(run.out().contains("demo"), run.describe());
    assertTrue(run.out().contains("forward"), run.describe());
  }

  @Test
  void helpSubcommandShowsACommandsHelp() {
    CliRun run = CliRun.of("help", "forward");
    assertEquals(0, run.exitCode(), run.describe());
    assertTrue(run.out().contains("Usage: rnn4j forward"), run.describe());
  }

  @Test
  void versionIsPrinted() {
    CliRun run = CliRun.of("--version");
    assertEquals(0, run.exitCode(), run.describe());
    assertTrue(run.out().startsWith("rnn4j "), run.describe());
  }

  @Test
  void usageErrorsExitWith2() {
    for (List<String> args :
        List.of(
            List.<String>of(),
            List.of("predict"),
            List.of("--verbose", "demo"),
            List.of("demo", "--sed", "1"),
            List.of("demo", "--seed", "one"),
            List.of("demo", "--device", "tpu"),
            List.of("forward", "--config", "c.json"))) {
      CliRun run = CliRun.of(args.toArray(String[]::new));
      assertEquals(2, run.exitCode(), args + ": " + run.describe());
      assertFalse(run.err().isEmpty(), args + ": " + run.describe());
      assertEquals("", run.out(), args + ": " + run.describe());
    }
  }

  /**
   * Main's logging set-up can only be seen from a fresh JVM: slf4j binds its provider once per
   * process. The fallback of {@code --device auto} must be one line, in slf4j-simple's short form,
   * and the only line.
   */
  @Test
  void autoDeviceWarnsOnceOnOneLineInAFreshJvm() throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "demo",
                "--device",
                "auto")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "demo did not finish");
    assertEquals(0, p.exitValue(), err);
    List<String> lines = err.lines().toList();
    assertEquals(1, lines.size(), err);
    assertTrue(
        lines
            .get(0)
            .startsWith(
                "WARN Backends - device auto: running on the CPU because CUDA is "
                    + "unavailable: "),
        err);
  }
}
