package dev.rnn4j.bench;

import static dev.rnn4j.bench.BenchJsonTest.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class ComparisonTest {
  private static final String RNN4J = "rnn4j 0.1.0-SNAPSHOT (cpu (2 threads))";
  private static final String TORCH = "pytorch 2.13.0";

  private final List<BenchResult> a =
      List.of(
          result("S1", "forward", 0.008, RNN4J),
          result("S1", "train_step", 0.060, RNN4J),
          result("S3", "forward", 146.0, RNN4J),
          result("S3", "train_step", 600.0, RNN4J),
          result("C4", "forward", 10.0, RNN4J));
  private final List<BenchResult> torch =
      List.of(
          result("S1", "forward", 0.07, TORCH),
          result("S1", "train_step", 0.35, TORCH),
          result("S3", "forward", 97.7, TORCH),
          result("S3", "train_step", 346.0, TORCH),
          result("S5", "forward", 108.0, TORCH));

  @Test
  void ratiosAndTargetsAgainstPyTorch() {
    Comparison c = Comparison.of(a, torch);
    assertTrue(c.bIsPyTorch());
    List<Comparison.Row> rows = c.rows();
    assertEquals(
        List.of("S1 forward", "S1 train_step", "S3 forward", "S3 train_step"),
        rows.stream().map(r -> r.id() + " " + r.phase()).toList());
    assertEquals(0.008 / 0.07, rows.get(0).ratio(), 1e-12);
    assertEquals(146.0 / 97.7, rows.get(2).ratio(), 1e-12);
    // S1: absolute, on A's median.
    assertEquals(new Comparison.Target("A <= 0.010 ms", true), rows.get(0).target());
    assertEquals(new Comparison.Target("A <= 0.050 ms", false), rows.get(1).target());
    // S3: A/B <= 1.5; 146 / 97.7 = 1.49 meets it, 600 / 346 = 1.73 does not.
    assertEquals(new Comparison.Target("A/B <= 1.5", true), rows.get(2).target());
    assertEquals(new Comparison.Target("A/B <= 1.5", false), rows.get(3).target());
    assertEquals(List.of("C4 forward"), c.onlyInA());
    assertEquals(List.of("S5 forward"), c.onlyInB());
  }

  @Test
  void gpuCasesAreHeldToTenPercentOfPyTorch() {
    String cuda = "rnn4j 0.1.0-SNAPSHOT (cuda:0 (NVIDIA H200, TF32 allowed))";
    String torchGpu = "pytorch 2.11.0+cu130 (NVIDIA H200, CUDA 13.0, cuDNN 91900, TF32 on)";
    Comparison c =
        Comparison.of(
            List.of(
                result("G1", "forward", 2.187, cuda),
                result("G10", "forward", 8.486, cuda),
                result("G3", "forward", 50.0, cuda)),
            List.of(
                result("G1", "forward", 2.783, torchGpu),
                result("G10", "forward", 7.542, torchGpu),
                result("G3", "forward", 10.0, torchGpu)));
    List<Comparison.Row> rows = c.rows();
    assertEquals(new Comparison.Target("A/B <= 1.10", true), rows.get(0).target());
    // 8.486 / 7.542 = 1.125.
    assertEquals(new Comparison.Target("A/B <= 1.10", false), rows.get(1).target());
    // G3 has no target.
    assertNull(rows.get(2).target());
  }

  @Test
  void theLoopAndTheHostForwardAreComparedWithoutTargets() {
    Comparison c =
        Comparison.of(
            List.of(
                result("L1", "loop", 12.0, RNN4J),
                result("L1", "forward_host", 1.5, RNN4J),
                result("S2", "loop", 4.0, RNN4J)),
            List.of(
                result("L1", "loop", 8.0, TORCH),
                result("L1", "forward_host", 3.0, TORCH),
                result("S2", "train_step", 4.0, TORCH)));
    assertEquals(
        List.of("L1 loop", "L1 forward_host"),
        c.rows().stream().map(r -> r.id() + " " + r.phase()).toList());
    assertEquals(1.5, c.rows().get(0).ratio(), 1e-12);
    assertEquals(0.5, c.rows().get(1).ratio(), 1e-12);
    for (Comparison.Row r : c.rows()) {
      assertNull(r.target());
      assertEquals(List.of(), r.notes());
    }
    // A phase is part of the key: S2's loop does not match S2's train_step.
    assertEquals(List.of("S2 loop"), c.onlyInA());
    assertEquals(List.of("S2 train_step"), c.onlyInB());

    StringWriter text = new StringWriter();
    c.print(new PrintWriter(text), "a.json", "b.json", List.of(), List.of());
    List<String> lines = text.toString().lines().toList();
    assertEquals(
        "L1   loop                12.00        8.000   1.500  -              -", lines.get(5));
    assertEquals(
        "L1   forward_host        1.500        3.000   0.500  -              -", lines.get(6));
    assertEquals("targets met: 0 of 0", lines.get(lines.size() - 1));
  }

  @Test
  void noTargetsUnlessBIsPyTorch() {
    Comparison c = Comparison.of(a, a);
    assertFalse(c.bIsPyTorch());
    for (Comparison.Row r : c.rows()) {
      assertNull(r.target());
      assertEquals(1.0, r.ratio());
    }
    assertEquals(List.of(), c.onlyInA());
  }

  @Test
  void differencesAndRepeatsAreNoted() {
    BenchResult s3 = result("S3", "forward", 100, TORCH);
    BenchResult otherThreads =
        new BenchResult(
            s3.id(),
            s3.phase(),
            100,
            1,
            1,
            1,
            1,
            5,
            s3.flops(),
            1,
            1,
            "cpu",
            "float32",
            TORCH,
            BenchJsonTest.result("S4", "forward", 1, TORCH).config(),
            null);
    Comparison c =
        Comparison.of(List.of(result("S3", "forward", 100, RNN4J)), List.of(otherThreads, s3));
    assertEquals(
        List.of(
            "configs differ: A LSTM I=256 H=256 L=2 D=1 N=64 T=100, B LSTM I=256 H=256 L=2 D=2 "
                + "N=64 T=100",
            "threads A 2, B 1"),
        c.rows().get(0).notes());
    assertEquals(List.of("S3 forward (repeated in B, ignored)"), c.onlyInB());
  }

  @Test
  void printsATable() {
    StringWriter text = new StringWriter();
    Comparison.of(a, torch).print(new PrintWriter(text), "a.json", "b.json", a, torch);
    List<String> lines = text.toString().lines().toList();
    assertEquals("A: a.json (" + RNN4J + ")", lines.get(0));
    assertEquals("B: b.json (" + TORCH + ")", lines.get(1));
    assertTrue(
        lines.get(2).startsWith("targets (B is PyTorch): A/B <= 1.5 for S2-S5"), lines.get(2));
    assertEquals(
        "id   phase         A median ms  B median ms     A/B  target         met  notes",
        lines.get(4));
    assertEquals(
        "S1   forward          0.008000      0.07000   0.114  A <= 0.010 ms  yes", lines.get(5));
    assertEquals(
        "S1   train_step        0.06000       0.3500   0.171  A <= 0.050 ms  NO", lines.get(6));
    assertEquals(
        "S3   forward             146.0        97.70   1.494  A/B <= 1.5     yes", lines.get(7));
    assertEquals(
        "S3   train_step          600.0        346.0   1.734  A/B <= 1.5     NO", lines.get(8));
    assertEquals("only in A: C4 forward", lines.get(9));
    assertEquals("only in B: S5 forward", lines.get(10));
    assertEquals("targets met: 2 of 4", lines.get(11));
  }
}
