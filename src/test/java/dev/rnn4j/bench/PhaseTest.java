package dev.rnn4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PhaseTest {
  /** The names are the results files' {@code phase} values, shared with bench_torch.py. */
  @Test
  void namesAndMultiples() {
    assertEquals(
        List.of("forward", "train_step", "loop", "forward_host"),
        Arrays.stream(Phase.values()).map(Phase::jsonName).toList());
    assertEquals(
        List.of(1, 3, 3, 1), Arrays.stream(Phase.values()).map(Phase::forwardMultiple).toList());
    assertEquals(List.of(Phase.FORWARD, Phase.TRAIN_STEP), Phase.DEFAULTS);
  }

  @Test
  void parsing() {
    for (Phase p : Phase.values()) {
      assertEquals(p, Phase.fromJsonName(p.jsonName()));
    }
    assertEquals(Phase.FORWARD_HOST, Phase.fromJsonName(" Forward_Host "));
    assertEquals(
        "unknown phase 'step': expected forward, train_step, loop, forward_host",
        assertThrows(IllegalArgumentException.class, () -> Phase.fromJsonName("step"))
            .getMessage());
  }

  @Test
  void theLoopsDescriptionNamesItsSettings() {
    assertEquals(
        "SequenceModel(rnn, Linear(D*H_out, 1)) on the last step: forwardForBackward(x), MseLoss,"
            + " backward, clipGradNorm(1.0), Adam(lr=0.001) step, zeroGrad; loss.value() every 10"
            + " steps; x and target on the device",
        Phase.LOOP.description());
  }
}
