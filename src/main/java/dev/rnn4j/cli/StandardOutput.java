package dev.rnn4j.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UnsupportedEncodingException;
import java.nio.charset.Charset;
import picocli.CommandLine;

/**
 * Failed writes to standard output made visible. {@link PrintStream} and {@link PrintWriter}
 * swallow write errors (a full disk, {@code > /dev/full}, a closed pipe) and only remember that one
 * happened, so a command that wrote its result there would exit 0 with the result lost; the
 * commands check {@link #check} after writing, and {@link Main#main} checks once more at the end.
 */
final class StandardOutput {
  /** The first error of the stream {@link #install} made, with its reason; null when none. */
  private static volatile IOException firstError;

  private StandardOutput() {}

  /**
   * Replaces {@code System.out} with a stream of the same encoding that records why a write failed,
   * which {@code System.out} forgets. For {@code main} only: tests keep their own streams.
   */
  static void install() {
    String encoding = System.getProperty("sun.stdout.encoding");
    Charset charset = encoding != null ? Charset.forName(encoding) : Charset.defaultCharset();
    OutputStream recording =
        new FilterOutputStream(new FileOutputStream(FileDescriptor.out)) {
          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            try {
              out.write(b, off, len);
            } catch (IOException e) {
              record(e);
              throw e;
            }
          }

          @Override
          public void flush() throws IOException {
            try {
              out.flush();
            } catch (IOException e) {
              record(e);
              throw e;
            }
          }
        };
    try {
      System.setOut(new PrintStream(recording, true, charset.name()));
    } catch (UnsupportedEncodingException e) {
      throw new IllegalStateException("the JDK's own stdout encoding " + charset, e);
    }
  }

  /**
   * Flushes {@code commandLine}'s standard output and fails, with the reason where it is known, if
   * any write to it failed.
   *
   * @throws IllegalArgumentException {@code standard output: write error: No space left on device}
   */
  static void check(CommandLine commandLine) {
    if (failed(commandLine)) {
      throw new IllegalArgumentException(message());
    }
  }

  /**
   * The exit code of a finished command: {@code exitCode}, or 1 with one line on the command's
   * stderr when the command succeeded but its standard output was not written.
   */
  static int exitCode(CommandLine commandLine, int exitCode) {
    if (exitCode != 0 || !failed(commandLine)) {
      return exitCode;
    }
    PrintWriter err = commandLine.getErr();
    err.println("rnn4j: " + message());
    err.flush();
    return 1;
  }

  private static boolean failed(CommandLine commandLine) {
    PrintWriter out = commandLine.getOut();
    // PrintWriter.checkError flushes; System.out's own flag covers a writer that wraps it.
    return out.checkError() | System.out.checkError();
  }

  private static String message() {
    IOException e = firstError;
    String reason = e == null || e.getMessage() == null ? "" : ": " + e.getMessage();
    return "standard output: write error" + reason + " (the output is incomplete)";
  }

  private static void record(IOException e) {
    if (firstError == null) {
      firstError = e;
    }
  }
}
