package dev.rnn4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;

/**
 * The {@code rnn4j} command: the entry point of the runnable jar, and the parent of the
 * subcommands.
 *
 * <p>It has no behaviour of its own: without a subcommand picocli reports a usage error.
 */
@Command(
    name = "rnn4j",
    description =
        "PyTorch-exact RNN, LSTM and GRU on the JVM: forward and backward passes, and forecasters "
            + "trained on time series.",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    subcommands = {
      DemoCommand.class,
      DoctorCommand.class,
      ForwardCommand.class,
      BackwardCommand.class,
      TrainCommand.class,
      PredictCommand.class,
      ExportCommand.class,
      BenchCommand.class,
      HelpCommand.class
    })
public final class Main {
  /**
   * slf4j-simple's settings for a command line: one line per event on stderr, no dates or threads.
   */
  private static final String[][] LOG_DEFAULTS = {
    {"slf4j.provider", "org.slf4j.simple.SimpleServiceProvider"},
    // slf4j-api otherwise announces, at INFO, that it honours slf4j.provider.
    {"slf4j.internal.verbosity", "WARN"},
    {"org.slf4j.simpleLogger.logFile", "System.err"},
    {"org.slf4j.simpleLogger.showDateTime", "false"},
    {"org.slf4j.simpleLogger.showThreadName", "false"},
    {"org.slf4j.simpleLogger.showShortLogName", "true"},
    {"org.slf4j.simpleLogger.levelInBrackets", "false"},
  };

  public static void main(String[] args) {
    if (VectorRelaunch.wanted()) {
      System.exit(VectorRelaunch.run(Main.class, args));
    }
    VectorRelaunch.watchParent();
    // Before any class that holds a logger is loaded: slf4j binds its provider on the first
    // getLogger.
    configureLogging();
    StandardOutput.install();
    CommandLine commandLine = commandLine();
    System.exit(StandardOutput.exitCode(commandLine, commandLine.execute(args)));
  }

  /** The configured command line, for {@code main} and for tests that run commands in-process. */
  public static CommandLine commandLine() {
    return new CommandLine(new Main())
        .setExecutionExceptionHandler(Failures::handle)
        .setExecutionStrategy(Failures::execute);
  }

  /**
   * Selects slf4j-simple explicitly, since the shaded jar leaves out its service registration, and
   * sets its format. A value already given (say with {@code
   * -Dorg.slf4j.simpleLogger.defaultLogLevel=debug} or another provider) is kept.
   */
  static void configureLogging() {
    for (String[] kv : LOG_DEFAULTS) {
      if (System.getProperty(kv[0]) == null) {
        System.setProperty(kv[0], kv[1]);
      }
    }
  }

  /** The version Maven records in the jar; unknown when run from a build's classes folder. */
  static final class Version implements CommandLine.IVersionProvider {
    private static final String POM_PROPERTIES = "/META-INF/maven/dev.rnn4j/rnn4j/pom.properties";

    @Override
    public String[] getVersion() throws IOException {
      Properties pom = new Properties();
      try (InputStream in = Main.class.getResourceAsStream(POM_PROPERTIES)) {
        if (in != null) {
          pom.load(in);
        }
      }
      return new String[] {
        "rnn4j " + pom.getProperty("version", "(version unknown: not run from the jar)")
      };
    }
  }
}
