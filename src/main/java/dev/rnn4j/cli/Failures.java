package dev.rnn4j.cli;

import dev.rnn4j.backend.BackendUnavailableException;
import dev.rnn4j.bench.PyTorchUnavailableException;
import dev.rnn4j.train.TrainingDivergedException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** Turns the exceptions that bad input causes into the one-line reasons the commands print. */
final class Failures {
  private Failures() {}

  /**
   * Picocli's handler for what a command throws. The failures that the user's input or machine
   * causes (bad input, an unavailable device or PyTorch, a diverged training) print {@code rnn4j
   * <command>: <reason>} on the command's stderr and exit with 1 ({@link Usage}: 2); anything else
   * is a bug and keeps picocli's stack trace.
   */
  static int handle(Exception e, CommandLine commandLine, ParseResult parsed) throws Exception {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      // The CPU backend's workers hand their errors on wrapped.
      if (cause instanceof OutOfMemoryError oom) {
        return outOfMemory(commandLine, oom);
      }
    }
    if (!(e instanceof IllegalArgumentException
        || e instanceof BackendUnavailableException
        || e instanceof TrainingDivergedException
        || e instanceof PyTorchUnavailableException)) {
      throw e;
    }
    PrintWriter err = commandLine.getErr();
    err.println("rnn4j " + commandLine.getCommandName() + ": " + oneLine(e));
    err.flush();
    return e instanceof Usage ? CommandLine.ExitCode.USAGE : 1;
  }

  /**
   * A usage error that its one line explains with the options that fix it, found after parsing:
   * exit code 2 like picocli's, without the usage help that would bury the line.
   */
  static final class Usage extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    Usage(String message) {
      super(message);
    }
  }

  /**
   * Runs the command as picocli's {@link CommandLine.RunLast} does, with a last resort for an
   * {@link OutOfMemoryError}, which picocli lets through to the JVM's stack trace: every command
   * sizes its memory before allocating it ({@code MemoryEstimate}), so one reaching here is
   * something the estimate left out, and still gets one line.
   */
  static int execute(ParseResult parsed) {
    try {
      return new CommandLine.RunLast().execute(parsed);
    } catch (OutOfMemoryError e) {
      ParseResult last = parsed;
      while (last.hasSubcommand()) {
        last = last.subcommand();
      }
      return outOfMemory(last.commandSpec().commandLine(), e);
    }
  }

  /** The one line for an {@link OutOfMemoryError}, by then unwound and its memory collectable. */
  private static int outOfMemory(CommandLine commandLine, OutOfMemoryError e) {
    PrintWriter err = commandLine.getErr();
    err.println(
        String.format(
            Locale.ROOT,
            "rnn4j %s: out of memory (%s) with a heap of at most "
                + "%.2f GiB: lower the sizes, or give the JVM more heap (-Xmx)",
            commandLine.getCommandName(),
            oneLine(e),
            Runtime.getRuntime().maxMemory() / 1073741824.0));
    err.flush();
    return 1;
  }

  /** {@code e}'s message on one line; the exception's name when it has none. */
  static String oneLine(Throwable e) {
    String message = e.getMessage();
    if (message == null || message.isBlank()) {
      return e.getClass().getSimpleName();
    }
    // Some messages (Jackson's, a few JDK ones) span lines; the command promises a single line.
    return message.strip().replaceAll("\\s*\\R\\s*", " ");
  }

  /**
   * Why {@code path}, given as {@code option}, could not be read or written: the JDK reports a
   * missing file with nothing but its path as the message.
   */
  static String describe(String option, Path path, IOException e) {
    String reason;
    if (e instanceof NoSuchFileException) {
      reason = "no such file or directory";
    } else if (e instanceof AccessDeniedException) {
      reason = "permission denied";
    } else if (e instanceof NotDirectoryException) {
      reason = "not a directory";
    } else if (e instanceof FileSystemException && ((FileSystemException) e).getReason() != null) {
      reason = ((FileSystemException) e).getReason();
    } else {
      reason = oneLine(e);
    }
    return option + " " + path + ": " + reason;
  }
}
