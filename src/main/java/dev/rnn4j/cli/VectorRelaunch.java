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

/**
 * Runs the command line again in a JVM that has the Vector API's module, when this one lacks it: JDK 17
 * resolves {@code jdk.incubator.vector} only on request, a jar's manifest cannot ask, and the CPU backend's
 * float32 kernels are several times faster with it. Disabled with {@code -Drnn4j.relaunch=false} (which
 * the child gets, so it never loops).
 *
 * <p>The child inherits standard input and output; its standard error passes through, except the one line
 * "WARNING: Using incubator modules" the JVM prints about the module, so that the command's own output
 * stays as documented.
 */
final class VectorRelaunch {
  private static final String MODULE = "jdk.incubator.vector";
  private static final String INCUBATOR_WARNING = "WARNING: Using incubator modules";

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
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(List.of(args));
    try {
      Process child = new ProcessBuilder(command)
          .redirectInput(ProcessBuilder.Redirect.INHERIT)
          .redirectOutput(ProcessBuilder.Redirect.INHERIT)
          .start();
      Thread errors = new Thread(() -> copyWithoutWarning(child.getErrorStream(), System.err),
          "rnn4j-stderr");
      errors.start();
      int code = child.waitFor();
      errors.join();
      return code;
    } catch (IOException e) {
      System.err.println("rnn4j: could not start a JVM with " + MODULE + " (" + e.getMessage()
          + "); run with -Drnn4j.relaunch=false to stay in this one");
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 130;
    }
  }

  /** Copies {@code in} to {@code out} byte for byte, but for a first line that is the JVM's warning. */
  static void copyWithoutWarning(InputStream in, PrintStream out) {
    try {
      byte[] first = readLine(in);
      if (!new String(first, StandardCharsets.UTF_8).startsWith(INCUBATOR_WARNING)) {
        out.write(first);
      }
      out.flush();
      in.transferTo(new OutputStream() {
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
