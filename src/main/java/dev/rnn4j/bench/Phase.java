package dev.rnn4j.bench;

/** What one timed call does; the names are those of the results' {@code phase} field. */
public enum Phase {
  /** {@code rnn.eval().forward(x)}: inference, F FLOP. */
  FORWARD("forward", 1),
  /**
   * {@code rnn.forwardForBackward(x, null, null).backward(ones_like(output), null, null)} then
   * {@code rnn.zeroGrad()}: the backward of {@code sum(output)} to the input and every weight, no optimizer
   * step; 3F FLOP.
   */
  TRAIN_STEP("train_step", 3);

  private final String jsonName;
  private final int forwardMultiple;

  Phase(String jsonName, int forwardMultiple) {
    this.jsonName = jsonName;
    this.forwardMultiple = forwardMultiple;
  }

  /** {@code forward} or {@code train_step}. */
  public String jsonName() {
    return jsonName;
  }

  /** This phase's FLOPs in units of the forward pass's: 1 or 3 (see {@link Flops}). */
  public int forwardMultiple() {
    return forwardMultiple;
  }

  @Override
  public String toString() {
    return jsonName;
  }
}
