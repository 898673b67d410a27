package dev.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rnn4j.backend.BackendUnavailableException;
import dev.rnn4j.train.TrainingDivergedException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class FailuresTest {

  /** A subcommand's CommandLine, as picocli hands it to the handler, with its stderr captured. */
  private static CommandLine predict(StringWriter err) {
    CommandLine predict = Main.commandLine().getSubcommands().get("predict");
    predict.setErr(new PrintWriter(err, true));
    return predict;
  }

  @Test
  void failuresTheUserCausesPrintOneLineNamingTheCommand() throws Exception {
    for (RuntimeException e :
        List.of(
            new IllegalArgumentException("--csv x.csv: no such file\nor directory"),
            new BackendUnavailableException(
                "device 'cuda' was requested, but it is unavailable: no driver"),
            new TrainingDivergedException("loss became NaN at epoch 3"))) {
      StringWriter err = new StringWriter();
      assertEquals(1, Failures.handle(e, predict(err), null));
      assertEquals(
          "rnn4j predict: " + Failures.oneLine(e) + System.lineSeparator(), err.toString());
    }
  }

  @Test
  void bugsAreRethrownForPicocliToPrintTheirStackTrace() {
    IllegalStateException bug = new IllegalStateException("kernel used after close");
    StringWriter err = new StringWriter();
    assertSame(
        bug,
        assertThrows(IllegalStateException.class, () -> Failures.handle(bug, predict(err), null)));
    assertEquals("", err.toString());
  }
}
