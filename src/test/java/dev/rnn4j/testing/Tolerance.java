package dev.rnn4j.testing;

import dev.rnn4j.testing.Fixtures.FixtureCase;

/**
 * An element-wise bar, {@code |actual - expected| <= atol + rtol * |expected|}, that the CPU
 * backend's parity tests hold tighter than their fixtures' manifests: a manifest records what its
 * generator promised any implementation, these bars hold what rnn4j achieves, about 10x above the
 * worst error observed, so that a regression of 10x fails. Each keeps the shape of its manifest's
 * bar (the ratio of atol to rtol) and says where its worst was measured; a bar looser than the
 * manifest's is refused.
 */
public record Tolerance(double atol, double rtol) {
  // Worst observed 4.7e-7 (rnntanh_large_l2_bi_sf_h0 output, |x| < 1), 2.1% of the manifest's atol
  // 2e-5, rtol 1e-4, over the 177 float32 forward fixtures, through Rnn and the forward command
  // (2026-12-07, Vector API path); a quarter of the manifest's bar, 12x.
  private static final Tolerance FORWARD_FLOAT32 = new Tolerance(5e-6, 2.5e-5);
  // Worst observed 3.4e-16 (rnntanh_f64_l2_bi_sf_h0 output), 3.3e-7 of the manifest's 1e-9, over
  // the 6 float64 forward fixtures (2026-12-07); 12x.
  private static final Tolerance FORWARD_FLOAT64 = new Tolerance(4e-15, 4e-15);
  // Worst observed 3.1% of the manifest's atol 1e-4, rtol 1e-3 (the largest error, 1.3e-5, at |x| =
  // 22 in rnntanh_large_l2_bi_sf_h0's grad.weight_ih_l0_reverse) over the 177 float32 backward
  // fixtures, through Rnn, the kernel's plain-Java path and the backward command (2026-12-07); 0.4
  // of the manifest's bar, 13x.
  private static final Tolerance BACKWARD_FLOAT32 = new Tolerance(4e-5, 4e-4);
  // Worst observed 2.7e-15 (rnntanh_f64_l2_bi_sf_h0 grad.weight_ih_l0, at |x| = 7.4), 1.5e-6 of the
  // manifest's 1e-9, over the 6 float64 backward fixtures (2026-12-07); 13x.
  private static final Tolerance BACKWARD_FLOAT64 = new Tolerance(2e-14, 2e-14);
  // Worst observed 6.8e-4 of the manifest's atol 1e-4, rtol 1e-3 (predictions; the largest error
  // 3.0e-7, in lstm_forecaster_trained; gradients and losses 4.7e-4, 6.7e-8) over the 9 float32
  // model fixtures (2026-12-07); 10x.
  private static final Tolerance MODEL_FLOAT32 = new Tolerance(7e-7, 7e-6);
  // Worst observed 1.3e-7 of the manifest's 1e-9 (gradients; the largest error 4.4e-16, the loss of
  // 3.1) on the float64 model fixture (2026-12-07); 11x.
  private static final Tolerance MODEL_FLOAT64 = new Tolerance(1.5e-15, 1.5e-15);

  /** The bar for a {@code forward} fixture: outputs and final states. */
  public static Tolerance forward(FixtureCase c) {
    return of(c, FORWARD_FLOAT32, FORWARD_FLOAT64);
  }

  /** The bar for a {@code backward} fixture: outputs, final states and every gradient. */
  public static Tolerance backward(FixtureCase c) {
    return of(c, BACKWARD_FLOAT32, BACKWARD_FLOAT64);
  }

  /** The bar for a {@code model} fixture: predictions, losses and every gradient. */
  public static Tolerance model(FixtureCase c) {
    return of(c, MODEL_FLOAT32, MODEL_FLOAT64);
  }

  /**
   * {@code float32} for a case whose manifest entry says {@code "dtype": "float32"}, otherwise
   * {@code float64}; either way no looser than the entry's own {@code atol} and {@code rtol}.
   *
   * @throws IllegalStateException if the chosen bar is looser than the manifest's
   */
  private static Tolerance of(FixtureCase c, Tolerance float32, Tolerance float64) {
    Tolerance bar = c.entry().get("dtype").asText().equals("float32") ? float32 : float64;
    if (bar.atol > c.atol() || bar.rtol > c.rtol()) {
      throw new IllegalStateException(
          String.format(
              "%s: bar atol %g, rtol %g is looser than the manifest's atol %g, rtol %g",
              c.id(), bar.atol, bar.rtol, c.atol(), c.rtol()));
    }
    return bar;
  }
}
