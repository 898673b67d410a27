package dev.rnn4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.module.ModuleFinder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs the command line again in a JVM that has the Vector API's module, when this one lacks it:
 * JDK 17 resolves {@code jdk.incubator.vector} only on request, a jar's manifest cannot ask, and
 * the CPU backend's float32 kernels are several times faster with it. Disabled with {@code
 * -Drnn4j.relaunch=false} (which the child gets, so it never loops).
 *
 * <p>The child inherits standard input and output; its standard error passes through, except the
 * one line "WARNING: Using incubator modules" the JVM prints about the module, so that the
 * command's own output stays as documented.
 *
 * <p>The two JVMs live and die together. The parent's shutdown hook (run on SIGTERM, on SIGINT, and
 * on its normal exit) sends the child SIGTERM, waits for it, and exits with the child's code; the
 * child, given the parent's pid as {@code -Drnn4j.parent.pid}, halts as soon as the parent is gone,
 * which is how a {@code kill -9} of the parent, which runs no hook, reaches it.
 */
final class VectorRelaunch {
  private static final String MODULE = "jdk.incubator.vector";
  private static final String INCUBATOR_WARNING = "WARNING: Using incubator modules";

  /** The system property by which the child knows its parent's pid. */
  static final String PARENT_PID = "rnn4j.parent.pid";

  /**
   * How long the parent waits for a child it sent SIGTERM before killing it: longer than a training
   * child's own wait for its loop ({@link Interruption}), so that the child can stop between steps.
   */
  private static final long STOP_GRACE_MILLIS = 3 * Interruption.ACKNOWLEDGE_MILLIS;

  /**
   * Between looks at the parent: {@code ProcessHandle.onExit()} polls a process that is not a child
   * with sleeps growing to 5 s, too slow for a child that must not outlive its parent by more than
   * moments.
   */
  private static final long WATCH_MILLIS = 100;

  private VectorRelaunch() {}

  /** Whether this JVM should hand over to one with the module. */
  static boolean wanted() {
    return !"false".equals(System.getProperty("rnn4j.relaunch"))
        && ModuleLayer.boot().findModule(MODULE).isEmpty()
        && ModuleFinder.ofSystem().find(MODULE).isPresent()
        && ProcessHandle.current().info().command().isPresent();
  }

  /** Runs {@code args} in a child JVM with the module and returns its exit code. */
  static int run(Class<?> main, String[] args) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElseThrow());
    command.add("--add-modules=" + MODULE);
    command.add("-Drnn4j.relaunch=false");
    command.add("-D" + PARENT_PID + "=" + ProcessHandle.current().pid());
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(List.of(args));
    try {
      Process child =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.INHERIT)
              .redirectOutput(ProcessBuilder.Redirect.INHERIT)
              .start();
      Thread errors =
          new Thread(() -> copyWithoutWarning(child.getErrorStream(), System.err), "rnn4j-stderr");
      errors.start();
      Runtime.getRuntime()
          .addShutdownHook(new Thread(() -> stop(child, errors), "rnn4j-stop-child"));
      int code = child.waitFor();
      errors.join();
      return code;
    } catch (IOException e) {
      System.err.println(
          "rnn4j: could not start a JVM with "
              + MODULE
              + " ("
              + e.getMessage()
              + "); run with -Drnn4j.relaunch=false to stay in this one");
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 130;
    }
  }

  /**
   * The parent's shutdown hook: stops the child (SIGTERM, then SIGKILL after {@link
   * #STOP_GRACE_MILLIS}), lets its last lines through, and ends this JVM with the child's exit
   * code. It halts rather than returning because a hook cannot choose the code: a JVM stopped by
   * SIGTERM would otherwise exit 143 whatever the child said, and {@code System.exit} from a hook
   * blocks for ever.
   */
  private static void stop(Process child, Thread errors) {
    try {
      if (child.isAlive()) {
        // Through the handle: Process.destroy would also close the pipe that brings the child's
        // last line.
        child.toHandle().destroy();
        if (!child.waitFor(STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
          child.destroyForcibly().waitFor();
        }
      }
      errors.join(STOP_GRACE_MILLIS);
    } catch (InterruptedException e) {
      // Nothing interrupts a shutdown hook; were it to happen, the child still must not stay
      // behind.
      child.destroyForcibly();
    }
    System.err.flush();
    Runtime.getRuntime().halt(child.isAlive() ? 130 : child.exitValue());
  }

  /**
   * In a child this class started: a daemon thread that halts this JVM once the parent is gone,
   * whatever this JVM is doing. A checkpoint being saved at that moment stays whole: {@code
   * Checkpoint.write} writes a temporary file and renames it over the checkpoint, so a halt leaves
   * the previous checkpoint and at most a temporary file, never half a checkpoint. Does nothing in
   * a JVM the user started.
   */
  static void watchParent() {
    String pid = System.getProperty(PARENT_PID);
    if (pid == null) {
      return;
    }
    // A handle remembers the process's start time: a recycled pid does not pass for the parent.
    Optional<ProcessHandle> parent = ProcessHandle.of(Long.parseLong(pid));
    Thread watch =
        new Thread(
            () -> {
              while (parent.isPresent() && parent.get().isAlive()) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(WATCH_MILLIS));
              }
              // Nobody reads this JVM's output or exit code any more; 130 as for any interruption.
              Runtime.getRuntime().halt(130);
            },
            "rnn4j-parent-watch");
    watch.setDaemon(true);
    watch.start();
  }

  /**
   * Copies {@code in} to {@code out} byte for byte, but for a first line that is the JVM's warning.
   */
  static void copyWithoutWarning(InputStream in, PrintStream out) {
    try {
      byte[] first = readLine(in);
      if (!new String(first, StandardCharsets.UTF_8).startsWith(INCUBATOR_WARNING)) {
        out.write(first);
      }
      out.flush();
      in.transferTo(
          new OutputStream() {
            @Override
            public void write(int b) {
              out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
              out.write(b, off, len);
              out.flush();
            }
          });
      out.flush();
    } catch (IOException e) {
      // The child is gone; its exit code tells the rest.
    }
  }

  private static byte[] readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1) {
      line.write(b);
      if (b == '\n') {
        break;
      }
    }
    return line.toByteArray();
  }
}
