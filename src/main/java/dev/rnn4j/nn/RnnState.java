package dev.rnn4j.nn;

import dev.rnn4j.tensor.Tensor;
import java.util.Objects;
import java.util.Optional;

/**
 * The initial state {@code hx} given to a forward pass: {@code h0} for RNN and GRU, {@code (h0,
 * c0)} for LSTM.
 *
 * <p>Shapes: h0 is (D * num_layers, N, H_out), or (D * num_layers, H_out) for unbatched input; c0
 * is (D * num_layers, N, H_cell), or (D * num_layers, H_cell).
 */
public final class RnnState {
  private final Tensor h0;
  private final Tensor c0;

  private RnnState(Tensor h0, Tensor c0) {
    this.h0 = Objects.requireNonNull(h0, "h0");
    this.c0 = c0;
  }

  /**
   * The hidden state of an RNN or GRU.
   *
   * @param h0 (D * num_layers, N, H_out), or (D * num_layers, H_out) unbatched
   * @return the state
   */
  public static RnnState of(Tensor h0) {
    return new RnnState(h0, null);
  }

  /**
   * The hidden and cell state of an LSTM.
   *
   * @param h0 (D * num_layers, N, H_out), or (D * num_layers, H_out) unbatched
   * @param c0 (D * num_layers, N, H_cell), or (D * num_layers, H_cell) unbatched
   * @return the state
   */
  public static RnnState of(Tensor h0, Tensor c0) {
    return new RnnState(h0, Objects.requireNonNull(c0, "c0"));
  }

  /**
   * The hidden state.
   *
   * @return h0
   */
  public Tensor h0() {
    return h0;
  }

  /**
   * The cell state, present only for an LSTM state.
   *
   * @return c0, or empty
   */
  public Optional<Tensor> c0() {
    return Optional.ofNullable(c0);
  }

  @Override
  public String toString() {
    return c0 == null ? "RnnState(h0=" + h0 + ")" : "RnnState(h0=" + h0 + ", c0=" + c0 + ")";
  }
}
