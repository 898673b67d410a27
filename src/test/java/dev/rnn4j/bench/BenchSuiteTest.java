package dev.rnn4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.spec.RnnMode;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchSuiteTest {
  @Test
  void idsAreFixedAndInOrder() {
    assertEquals(
        List.of(
            "S1", "S2", "S3", "S4", "S5", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "G1",
            "G2", "G3", "G4", "G5", "G6", "G7", "G8", "G9", "G10", "G11", "G12", "G13", "L1", "L2",
            "L3", "L4", "L5", "L6", "L7", "L8", "L9", "L10", "L11", "L12"),
        ids(BenchSuite.all()));
  }

  /** L: LSTM(1, H), H 32, 256, 1024 x batch 32, 256 x sequence 24, 100, T varying fastest. */
  @Test
  void theLoopGrid() {
    List<BenchCase> l = BenchSuite.set("L", false);
    assertEquals(12, l.size());
    int i = 0;
    for (int hidden : new int[] {32, 256, 1024}) {
      for (int batch : new int[] {32, 256}) {
        for (int seq : new int[] {24, 100}) {
          BenchCase c = l.get(i++);
          assertEquals("L" + i, c.id());
          assertEquals("LSTM(1, " + hidden + ", batch_first=True)", c.config().toString());
          assertEquals(List.of(batch, seq), List.of(c.batch(), c.seq()), c.id());
        }
      }
    }
  }

  @Test
  void theIssuesConfigurations() {
    BenchCase s1 = BenchSuite.byId("S1").orElseThrow();
    assertEquals("RNN(1, 2, batch_first=True)", s1.config().toString());
    assertEquals(RnnMode.RNN_TANH, s1.config().mode());
    assertEquals(List.of(4, 5), List.of(s1.batch(), s1.seq()));
    assertEquals(
        "LSTM(32, 64, batch_first=True)", BenchSuite.byId("S2").orElseThrow().config().toString());
    assertEquals(
        "LSTM(256, 256, num_layers=2, batch_first=True)",
        BenchSuite.byId("S3").orElseThrow().config().toString());
    assertEquals(
        "LSTM(256, 256, num_layers=2, batch_first=True, bidirectional=True)",
        BenchSuite.byId("S4").orElseThrow().config().toString());
    assertEquals(
        "GRU(256, 256, num_layers=2, batch_first=True)",
        BenchSuite.byId("S5").orElseThrow().config().toString());
    for (BenchCase c : BenchSuite.all()) {
      assertTrue(c.config().batchFirst(), c.id());
      assertEquals(0.0, c.config().dropout(), c.id());
    }
  }

  @Test
  void sets() {
    assertEquals(List.of("S1", "S2", "S3", "S4", "S5"), ids(BenchSuite.set("S", false)));
    assertEquals(
        List.of("C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8"), ids(BenchSuite.set("c", false)));
    assertEquals(13, BenchSuite.set("G", true).size());
    assertEquals(12, BenchSuite.set("l", false).size());
    assertEquals(13, BenchSuite.set("all", false).size());
    assertEquals(38, BenchSuite.set("ALL", true).size());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> BenchSuite.set("X", false));
    assertEquals("set must be one of S, C, G, L or all, got 'X'", e.getMessage());
  }

  @Test
  void idsAreLookedUpCaseInsensitivelyWithoutRepeats() {
    assertEquals(
        List.of("C4", "S1", "L10"), ids(BenchSuite.byIds(List.of("c4", "S1", "s1", "l10"))));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> BenchSuite.byIds(List.of("S1", "S9", "X")));
    assertEquals(
        "unknown benchmark ids 'S9', 'X': expected S1..S5, C1..C8, G1..G13 or L1..L12",
        e.getMessage());
  }

  private static List<String> ids(List<BenchCase> cases) {
    return cases.stream().map(BenchCase::id).toList();
  }
}
