package dev.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("integration")
@Tag("cli")
class DemoCommandTest {
  private static CliRun seed0;

  @BeforeAll
  static void runDemo() {
    seed0 = CliRun.of("demo", "--device", "cpu");
  }

  @Test
  void succeedsOnTheCpu() {
    assertEquals(0, seed0.exitCode(), seed0.describe());
    assertEquals("", seed0.err(), seed0.describe());
    assertTrue(seed0.out().contains("\ndevice: cpu ("), seed0.describe());
    assertTrue(seed0.out().contains("\nseed: 0\n"), seed0.describe());
  }

  @Test
  void printsTheFourSectionsWithTheModuleRepr() {
    String out = seed0.out();
    List<String> titles =
        List.of(
            "== 1. Vanilla RNN: RNN(1, 2, batch_first=True) ==",
            "== 2. Stacked RNN: RNN(1, 2, num_layers=3, batch_first=True) ==",
            "== 3. Bidirectional RNN: RNN(1, 2, batch_first=True, bidirectional=True) ==",
            "== 4. Stacked bidirectional RNN: RNN(1, 2, num_layers=3, batch_first=True, bidirectional=True) ==");
    int at = 0;
    for (String title : titles) {
      int found = out.indexOf("\n" + title + "\n", at);
      assertTrue(found >= at, "missing or out of order: " + title + "\n" + out);
      at = found;
    }
  }

  @Test
  void printsTheArticlesShapes() {
    String out = seed0.out();
    for (String line :
        List.of(
            "input: [4, 5, 1]",
            "out: [4, 5, 2]",
            "h_n: [1, 4, 2]",
            "h_n: [3, 4, 2]",
            "out: [4, 5, 4]",
            "h_n: [2, 4, 2]",
            "h_n: [6, 4, 2]",
            "out forward, out.view(...)[:, :, 0]: [4, 5, 2]",
            "out backward, out.view(...)[:, :, 1]: [4, 5, 2]",
            "h_n forward, h_n.view(...)[:, 0]: [1, 4, 2]",
            "h_n backward, h_n.view(...)[:, 1]: [3, 4, 2]")) {
      assertTrue(out.contains("\n" + line + "\n"), "missing line " + line + "\n" + out);
    }
    for (String shape : List.of("[4, 5, 2, 2]", "[1, 2, 4, 2]", "[3, 2, 4, 2]")) {
      assertTrue(out.contains(": " + shape + "\n"), "missing shape " + shape + "\n" + out);
    }
  }

  @Test
  void printsTensorsAsPyTorchDoes() {
    String input = "input: [4, 5, 1]\ntensor([[[ 1.],\n         [ 2.],\n";
    assertTrue(seed0.out().contains(input), seed0.describe());
    assertTrue(seed0.out().contains("         [20.]]])\n"), seed0.describe());
  }

  @Test
  void everyObservationHolds() {
    List<String> observations =
        seed0.out().lines().dropWhile(l -> !l.equals("== Observations ==")).skip(1).toList();
    assertEquals(6, observations.size(), seed0.describe());
    for (String o : observations) {
      assertTrue(o.endsWith(": holds"), o);
    }
    assertFalse(seed0.out().contains("FAILS"), seed0.describe());
    assertTrue(observations.get(0).startsWith("Vanilla RNN: "), observations.get(0));
    assertTrue(
        observations.get(5).contains("out_backward[:, 0] == h_n_backward[-1]"),
        observations.get(5));
  }

  @Test
  void theSameSeedPrintsTheSameText() {
    assertEquals(seed0.out(), CliRun.of("demo", "--device", "cpu", "--seed", "0").out());
    CliRun seed7 = CliRun.of("demo", "--device", "cpu", "--seed", "7");
    assertEquals(seed7.out(), CliRun.of("demo", "--seed", "7", "--device", "cpu").out());
  }

  @Test
  void differentSeedsPrintDifferentNumbers() {
    CliRun seed1 = CliRun.of("demo", "--device", "cpu", "--seed", "1");
    assertEquals(0, seed1.exitCode(), seed1.describe());
    String withoutSeedLine0 = seed0.out().replace("\nseed: 0\n", "\n");
    String withoutSeedLine1 = seed1.out().replace("\nseed: 1\n", "\n");
    assertNotEquals(
        withoutSeedLine0.replaceAll("Rnn.create\\(config, -?\\d+\\)", ""),
        withoutSeedLine1.replaceAll("Rnn.create\\(config, -?\\d+\\)", ""));
  }

  @Test
  void cudaFailsWithOneLine() {
    CliRun run = CliRun.of("demo", "--device", "cuda");
    assertEquals(1, run.exitCode(), run.describe());
    assertEquals(1, run.errLines().size(), run.describe());
    assertTrue(run.err().startsWith("rnn4j demo: device 'cuda' was requested"), run.describe());
    assertEquals("", run.out(), run.describe());
  }

  @Test
  void helpDescribesTheOptions() {
    CliRun run = CliRun.of("demo", "--help");
    assertEquals(0, run.exitCode(), run.describe());
    assertTrue(run.out().startsWith("Runs the PyTorch basics article's four RNNs"), run.describe());
    assertTrue(run.out().contains("--seed=N"), run.describe());
    assertTrue(run.out().contains("--device=DEVICE"), run.describe());
  }
}
