package dev.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.rnn4j.train.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code train} as a user starts it: a fresh JVM without the Vector API's module, which relaunches
 * itself in a child JVM as {@code java -jar target/rnn4j.jar} does. Whatever signal the started
 * process gets, no rnn4j process is left 2 s later and no epoch is printed after it; SIGTERM and
 * SIGINT end with exit code 130 and one line naming the checkpoint to resume; while a run writes a
 * folder, a second {@code train} into it is refused, and a {@code kill -9} leaves no lock behind.
 */
@Tag("integration")
@Tag("cli")
class TrainSignalsTest {
  /** The bar: no rnn4j process 2 s after the kill. */
  private static final long GONE_MILLIS = 2_000;

  /** JVM start-ups, the relaunch and the first epoch, on a loaded machine. */
  private static final long FIRST_EPOCH_MILLIS = 120_000;

  private static final Pattern INTERRUPTED =
      Pattern.compile(
          "rnn4j train: interrupted in epoch (\\d+); resume from epoch (\\d+) with rnn4j train"
              + " --resume (.*)");

  @TempDir Path tmp;

  /** A training whose process and its relaunched child run until a signal comes. */
  private record Run(Process process, Path out, Path stdout, Path stderr) {
    List<String> epochLines() throws IOException {
      return Files.readAllLines(stdout).stream().filter(l -> l.startsWith("epoch ")).toList();
    }

    List<String> errLines() throws IOException {
      return Files.readAllLines(stderr);
    }

    /** The started process and all it started, while they run. */
    List<ProcessHandle> tree() {
      List<ProcessHandle> all = new ArrayList<>();
      all.add(process.toHandle());
      process.toHandle().descendants().forEach(all::add);
      return all;
    }
  }

  private static List<String> java(String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(args));
    return command;
  }

  /** Starts {@code train} on a small model for far more epochs than the test waits for. */
  private Run start(String name) throws IOException, InterruptedException {
    Path out = tmp.resolve(name);
    Path stdout = tmp.resolve(name + ".out");
    Path stderr = tmp.resolve(name + ".err");
    List<String> command =
        java(
            "-cp",
            System.getProperty("java.class.path"),
            Main.class.getName(),
            "train",
            "--epochs",
            "10000",
            "--out",
            out.toString());
    command.addAll(TrainCommandTest.SMALL);
    Process process =
        new ProcessBuilder(command)
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile())
            .start();
    Run run = new Run(process, out, stdout, stderr);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FIRST_EPOCH_MILLIS);
    while (run.epochLines().isEmpty()) {
      assertTrue(process.isAlive(), () -> "train ended before its first epoch: " + describe(run));
      assertTrue(System.nanoTime() < deadline, () -> "no epoch line: " + describe(run));
      Thread.sleep(50);
    }
    return run;
  }

  private static String describe(Run run) {
    try {
      return "\n--- stdout:\n"
          + Files.readString(run.stdout())
          + "\n--- stderr:\n"
          + Files.readString(run.stderr());
    } catch (IOException e) {
      return e.toString();
    }
  }

  /** Sends {@code signal} to the started process and checks that nothing of the run survives it. */
  private static void signalAndCheckAllGone(Run run, String signal)
      throws IOException, InterruptedException {
    List<ProcessHandle> tree = run.tree();
    // The relaunch happened: the work is done by a child, which is what can be orphaned.
    assertTrue(tree.size() >= 2, () -> "no relaunched child: " + tree);
    long sent = System.nanoTime();
    Process kill =
        new ProcessBuilder("kill", "-" + signal, Long.toString(run.process().pid()))
            .redirectErrorStream(true)
            .start();
    assertEquals(0, kill.waitFor(), new String(kill.getInputStream().readAllBytes()));
    long deadline = sent + TimeUnit.MILLISECONDS.toNanos(GONE_MILLIS);
    while (tree.stream().anyMatch(TrainSignalsTest::running) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    List<String> running =
        tree.stream().filter(TrainSignalsTest::running).map(h -> h.pid() + " " + state(h)).toList();
    tree.forEach(ProcessHandle::destroyForcibly);
    assertEquals(List.of(), running, "running " + GONE_MILLIS + " ms after SIG" + signal);
  }

  /**
   * Whether {@code process} still runs: a zombie has ended, and waits only for its parent (the init
   * process, for an orphan) to collect its exit status; {@code ProcessHandle.isAlive} counts it as
   * alive.
   */
  private static boolean running(ProcessHandle process) {
    return process.isAlive() && !state(process).equals("Z");
  }

  /** The state letter of Linux's /proc/PID/stat (R, S, Z, ...), or "gone". */
  private static String state(ProcessHandle process) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
      // The command name in parentheses may hold spaces; the state follows the last ')'.
      return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    } catch (IOException e) {
      return "gone";
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"TERM", "INT"})
  void termAndIntStopBothJvmsBetweenStepsWithOneLineAndExitCode130(String signal)
      throws IOException, InterruptedException {
    if (signal.equals("INT")) {
      // A JVM started with SIGINT ignored (a background job of a non-interactive shell) cannot
      // handle it, nor can any process it starts: that is the shell's choice, not rnn4j's.
      assumeFalse(sigintIgnored(), "SIGINT is ignored in this JVM, and so in its children");
    }
    Run run = start(signal);
    signalAndCheckAllGone(run, signal);

    assertEquals(130, run.process().waitFor(), describe(run));
    List<String> err = run.errLines();
    assertEquals(1, err.size(), describe(run));
    Matcher m = INTERRUPTED.matcher(err.get(0));
    assertTrue(m.matches(), describe(run));
    int kept = Integer.parseInt(m.group(2));
    assertEquals(kept + 1, Integer.parseInt(m.group(1)), err.get(0));
    Path checkpoint = run.out().resolve("checkpoint.safetensors");
    assertEquals(checkpoint.toString(), m.group(3));
    // The epoch cut short printed nothing: the lines are the checkpoint's epochs.
    assertEquals(kept, Checkpoint.read(checkpoint).epoch());
    assertEquals(kept, run.epochLines().size(), describe(run));
    assertNoTemporaryFile(run.out());
  }

  @Test
  void killNineOfTheStartedProcessTakesItsChildAndTheLockWithIt()
      throws IOException, InterruptedException {
    Run run = start("kill");
    // While it runs, the folder is its own.
    Process second =
        new ProcessBuilder(
                java(
                    "-Drnn4j.relaunch=false",
                    "-cp",
                    System.getProperty("java.class.path"),
                    Main.class.getName(),
                    "train",
                    "--epochs",
                    "1",
                    "--device",
                    "cpu",
                    "--out",
                    run.out().toString()))
            .redirectErrorStream(true)
            .start();
    String printed = new String(second.getInputStream().readAllBytes());
    assertEquals(1, second.waitFor(), printed);
    assertEquals(
        "rnn4j train: "
            + run.out()
            + " is in use by another rnn4j train (pid "
            + run.process().pid()
            + "); wait for it or choose another --out\n",
        printed);

    signalAndCheckAllGone(run, "KILL");
    int printedEpochs = run.epochLines().size();
    int saved = Checkpoint.read(run.out().resolve("checkpoint.safetensors")).epoch();
    // The child may die between saving an epoch and printing its line, never later.
    assertTrue(saved == printedEpochs || saved == printedEpochs + 1, describe(run));
    Thread.sleep(500);
    assertEquals(printedEpochs, run.epochLines().size(), "an epoch line came after the kill");

    // No stale lock: the run resumes at once in the same folder.
    Process resumed =
        new ProcessBuilder(
                java(
                    "-Drnn4j.relaunch=false",
                    "-cp",
                    System.getProperty("java.class.path"),
                    Main.class.getName(),
                    "train",
                    "--resume",
                    run.out().resolve("checkpoint.safetensors").toString(),
                    "--epochs",
                    Integer.toString(saved + 1),
                    "--device",
                    "cpu"))
            .redirectErrorStream(true)
            .start();
    String resumedOut = new String(resumed.getInputStream().readAllBytes());
    assertEquals(0, resumed.waitFor(), resumedOut);
    assertEquals(saved + 1, Checkpoint.read(run.out().resolve("checkpoint.safetensors")).epoch());
  }

  private static void assertNoTemporaryFile(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      List<String> temporary =
          files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
      assertEquals(List.of(), temporary, "left in " + dir);
    }
  }

  /** Whether this JVM ignores SIGINT (bit 2 of SigIgn in Linux's /proc/self/status). */
  private static boolean sigintIgnored() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("SigIgn:")) {
        return (Long.parseLong(line.substring(7).strip(), 16) & 0x2) != 0;
      }
    }
    return false;
  }
}
