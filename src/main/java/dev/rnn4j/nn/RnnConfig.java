package dev.rnn4j.nn;

import static dev.rnn4j.internal.Checks.checkArgument;

import dev.rnn4j.internal.PythonText;
import dev.rnn4j.spec.RnnMode;
import dev.rnn4j.spec.RnnShape;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The constructor arguments of {@code torch.nn.RNN}, {@code torch.nn.LSTM} and {@code
 * torch.nn.GRU}: an immutable value, validated as PyTorch validates them.
 *
 * <pre>{@code
 * RnnConfig config = RnnConfig.lstm(10, 20).numLayers(2).bidirectional(true).build();
 * config.toString();   // LSTM(10, 20, num_layers=2, bidirectional=True)
 * }</pre>
 *
 * <p>Args and their defaults (PyTorch's): {@code inputSize} (H_in), {@code hiddenSize} (H_cell),
 * {@code numLayers} 1, {@code nonlinearity} TANH (RNN only), {@code bias} true, {@code batchFirst}
 * false, {@code dropout} 0 (applied to the output of every layer but the last, in training mode
 * only), {@code bidirectional} false, {@code projSize} 0 (LSTM only; H_out = projSize when it is
 * positive, otherwise hiddenSize).
 */
public final class RnnConfig implements RnnShape {
  private static final Logger LOG = LoggerFactory.getLogger(RnnConfig.class);

  private final RnnMode mode;
  private final int inputSize;
  private final int hiddenSize;
  private final int numLayers;
  private final boolean bias;
  private final boolean batchFirst;
  private final double dropout;
  private final boolean bidirectional;
  private final int projSize;

  private RnnConfig(Builder b) {
    this.mode =
        b.module == RnnMode.RNN_TANH && b.nonlinearity == Nonlinearity.RELU
            ? RnnMode.RNN_RELU
            : b.module;
    this.inputSize = b.inputSize;
    this.hiddenSize = b.hiddenSize;
    this.numLayers = b.numLayers;
    this.bias = b.bias;
    this.batchFirst = b.batchFirst;
    this.dropout = b.dropout;
    this.bidirectional = b.bidirectional;
    this.projSize = b.projSize;
  }

  /**
   * A builder for {@code torch.nn.RNN(inputSize, hiddenSize)}.
   *
   * @param inputSize {@code input_size}, H_in
   * @param hiddenSize {@code hidden_size}, H_cell
   * @return a builder with PyTorch's defaults
   */
  public static Builder rnn(int inputSize, int hiddenSize) {
    return new Builder(RnnMode.RNN_TANH, inputSize, hiddenSize);
  }

  /**
   * A builder for {@code torch.nn.LSTM(inputSize, hiddenSize)}.
   *
   * @param inputSize {@code input_size}, H_in
   * @param hiddenSize {@code hidden_size}, H_cell
   * @return a builder with PyTorch's defaults
   */
  public static Builder lstm(int inputSize, int hiddenSize) {
    return new Builder(RnnMode.LSTM, inputSize, hiddenSize);
  }

  /**
   * A builder for {@code torch.nn.GRU(inputSize, hiddenSize)}.
   *
   * @param inputSize {@code input_size}, H_in
   * @param hiddenSize {@code hidden_size}, H_cell
   * @return a builder with PyTorch's defaults
   */
  public static Builder gru(int inputSize, int hiddenSize) {
    return new Builder(RnnMode.GRU, inputSize, hiddenSize);
  }

  /**
   * A builder for the given mode ({@code RNN_RELU} sets the nonlinearity to RELU).
   *
   * @param mode the cell
   * @param inputSize {@code input_size}, H_in
   * @param hiddenSize {@code hidden_size}, H_cell
   * @return a builder with PyTorch's defaults
   */
  public static Builder builder(RnnMode mode, int inputSize, int hiddenSize) {
    Builder b =
        new Builder(mode == RnnMode.RNN_RELU ? RnnMode.RNN_TANH : mode, inputSize, hiddenSize);
    if (mode == RnnMode.RNN_RELU) {
      b.nonlinearity(Nonlinearity.RELU);
    }
    return b;
  }

  /**
   * A builder holding this configuration's values.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    Builder b =
        builder(mode, inputSize, hiddenSize)
            .numLayers(numLayers)
            .bias(bias)
            .batchFirst(batchFirst)
            .dropout(dropout)
            .bidirectional(bidirectional);
    if (projSize != 0) {
      b.projSize(projSize);
    }
    return b;
  }

  @Override
  public RnnMode mode() {
    return mode;
  }

  @Override
  public int inputSize() {
    return inputSize;
  }

  @Override
  public int hiddenSize() {
    return hiddenSize;
  }

  @Override
  public int numLayers() {
    return numLayers;
  }

  /**
   * TANH or RELU for vanilla RNNs; TANH (unused) for LSTM and GRU.
   *
   * @return the nonlinearity
   */
  public Nonlinearity nonlinearity() {
    return mode == RnnMode.RNN_RELU ? Nonlinearity.RELU : Nonlinearity.TANH;
  }

  @Override
  public boolean bias() {
    return bias;
  }

  @Override
  public boolean batchFirst() {
    return batchFirst;
  }

  @Override
  public double dropout() {
    return dropout;
  }

  @Override
  public boolean bidirectional() {
    return bidirectional;
  }

  @Override
  public int projSize() {
    return projSize;
  }

  /** PyTorch's repr, e.g. {@code LSTM(10, 20, num_layers=2, bidirectional=True)}. */
  @Override
  public String toString() {
    StringBuilder s =
        new StringBuilder(mode.moduleName())
            .append('(')
            .append(inputSize)
            .append(", ")
            .append(hiddenSize);
    if (projSize != 0) {
      s.append(", proj_size=").append(projSize);
    }
    if (numLayers != 1) {
      s.append(", num_layers=").append(numLayers);
    }
    if (!bias) {
      s.append(", bias=False");
    }
    if (batchFirst) {
      s.append(", batch_first=True");
    }
    if (dropout != 0) {
      s.append(", dropout=").append(PythonText.floatRepr(dropout));
    }
    if (bidirectional) {
      s.append(", bidirectional=True");
    }
    return s.append(')').toString();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof RnnConfig)) {
      return false;
    }
    RnnConfig c = (RnnConfig) o;
    return mode == c.mode
        && inputSize == c.inputSize
        && hiddenSize == c.hiddenSize
        && numLayers == c.numLayers
        && bias == c.bias
        && batchFirst == c.batchFirst
        && Double.compare(dropout, c.dropout) == 0
        && bidirectional == c.bidirectional
        && projSize == c.projSize;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        mode, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, projSize);
  }

  /** Collects optional arguments; {@link #build()} validates them all at once. */
  public static final class Builder {
    private final RnnMode module;
    private final int inputSize;
    private final int hiddenSize;
    private int numLayers = 1;
    private Nonlinearity nonlinearity;
    private boolean bias = true;
    private boolean batchFirst = false;
    private double dropout = 0;
    private boolean bidirectional = false;
    private int projSize = 0;

    private Builder(RnnMode module, int inputSize, int hiddenSize) {
      this.module = module;
      this.inputSize = inputSize;
      this.hiddenSize = hiddenSize;
    }

    /**
     * Number of stacked layers, L in the shape tables. Default 1.
     *
     * @param numLayers {@code num_layers}, at least 1
     * @return this builder
     */
    public Builder numLayers(int numLayers) {
      this.numLayers = numLayers;
      return this;
    }

    /**
     * TANH (default) or RELU; vanilla RNN only.
     *
     * @param nonlinearity {@code nonlinearity}
     * @return this builder
     */
    public Builder nonlinearity(Nonlinearity nonlinearity) {
      this.nonlinearity = Objects.requireNonNull(nonlinearity, "nonlinearity");
      return this;
    }

    /**
     * Whether the layers have {@code b_ih} and {@code b_hh}. Default true.
     *
     * @param bias {@code bias}
     * @return this builder
     */
    public Builder bias(boolean bias) {
      this.bias = bias;
      return this;
    }

    /**
     * Whether input and output are (N, L, H) rather than (L, N, H). Default false.
     *
     * @param batchFirst {@code batch_first}
     * @return this builder
     */
    public Builder batchFirst(boolean batchFirst) {
      this.batchFirst = batchFirst;
      return this;
    }

    /**
     * Probability of zeroing the output of each layer but the last, in training mode. Default 0.
     *
     * @param dropout {@code dropout}, in [0, 1]
     * @return this builder
     */
    public Builder dropout(double dropout) {
      this.dropout = dropout;
      return this;
    }

    /**
     * Whether each layer also runs over the reversed sequence. Default false.
     *
     * @param bidirectional {@code bidirectional}
     * @return this builder
     */
    public Builder bidirectional(boolean bidirectional) {
      this.bidirectional = bidirectional;
      return this;
    }

    /**
     * LSTM only: size of the projection of h, H_out; 0 (default) disables it.
     *
     * @param projSize {@code proj_size}, in [0, hidden_size)
     * @return this builder
     */
    public Builder projSize(int projSize) {
      this.projSize = projSize;
      return this;
    }

    /**
     * Validates every argument as PyTorch's constructor does and returns the configuration.
     *
     * @return the immutable configuration
     * @throws IllegalArgumentException for an invalid argument, with PyTorch's message
     */
    public RnnConfig build() {
      checkArgument(inputSize > 0, "input_size must be greater than zero, got %d", inputSize);
      checkArgument(hiddenSize > 0, "hidden_size must be greater than zero, got %d", hiddenSize);
      checkArgument(numLayers > 0, "num_layers must be greater than zero, got %d", numLayers);
      checkArgument(
          !Double.isNaN(dropout) && dropout >= 0 && dropout <= 1,
          "dropout should be a number in range [0, 1] representing the probability of an element "
              + "being zeroed, got %s",
          dropout);
      checkArgument(
          nonlinearity == null || module == RnnMode.RNN_TANH,
          "nonlinearity argument is only supported for RNN, not %s",
          module.moduleName());
      checkArgument(
          projSize >= 0,
          "proj_size should be a positive integer or zero to disable projections, got %d",
          projSize);
      checkArgument(
          projSize == 0 || module == RnnMode.LSTM,
          "proj_size argument is only supported for LSTM, not RNN or GRU");
      checkArgument(
          projSize < hiddenSize,
          "proj_size has to be smaller than hidden_size. Expected less than %d, got %d",
          hiddenSize,
          projSize);
      if (dropout > 0 && numLayers == 1) {
        LOG.warn(
            "dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                + "expects num_layers greater than 1, but got dropout={} and num_layers={}",
            PythonText.floatRepr(dropout),
            numLayers);
      }
      return new RnnConfig(this);
    }
  }
}
