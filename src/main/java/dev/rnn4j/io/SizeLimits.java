package dev.rnn4j.io;

/**
 * Upper bounds on the sizes that files and the command line may ask for: layers, feature sizes,
 * sequence lengths and batch sizes. PyTorch's constructors have none, and {@link
 * dev.rnn4j.nn.RnnConfig} keeps PyTorch's semantics; the bounds sit here, where a model config,
 * checkpoint metadata or an option enters, so that a value no real model has ({@code num_layers}
 * 2147483647 in a crafted file) is refused at once instead of driving a loop over two billion
 * layers. Each bound is far above real use; whether a legal size fits in memory is {@code
 * MemoryEstimate}'s call, not these bounds'.
 *
 * <p>Messages are PyTorch's grammar with the caller's name for the value: {@code num_layers must be
 * at most 1024, got 2147483647}.
 */
public final class SizeLimits {
  /**
   * The most recurrent layers. Deep recurrent stacks in use have tens of layers (GNMT's encoder 8,
   * deep speech models under 20); 1024 is 50 times that, and keeps what is built per layer (four
   * parameter names per layer and direction, a kernel's per-layer lists) small whatever a file
   * says.
   */
  public static final int MAX_NUM_LAYERS = 1024;

  /**
   * The largest feature size: {@code input_size}, {@code hidden_size}, {@code proj_size}, a head's
   * {@code in_features} and {@code out_features}. The widest recurrent layers published have a few
   * thousand units (8192 in large LSTM language models) and output vocabularies a few hundred
   * thousand entries; 2^20 is above both, and keeps every product of sizes the memory estimate
   * forms (4 gates times two sizes) below 2^43, far from overflow.
   */
  public static final int MAX_FEATURES = 1 << 20;

  /**
   * The longest sequence: a window, a horizon, a stride. Backpropagation through time is used over
   * thousands of steps at most; 2^20 steps is a thousand times that.
   */
  public static final int MAX_SEQUENCE_LENGTH = 1 << 20;

  /**
   * The largest batch size: 2^24 samples per step is more than any data set rnn4j holds in memory
   * (its tensors hold at most 2^31 elements), so a larger value can only be a mistake.
   */
  public static final int MAX_BATCH_SIZE = 1 << 24;

  private SizeLimits() {}

  /**
   * Fails unless {@code value} is at most {@code max}.
   *
   * @param name the value's name as the user wrote it ({@code num_layers}, {@code --num-layers})
   * @param value the value read
   * @param max its bound, one of this class's constants
   * @throws IllegalArgumentException {@code "<name> must be at most <max>, got <value>"}
   */
  public static void checkAtMost(String name, long value, long max) {
    if (value > max) {
      throw new IllegalArgumentException(name + " must be at most " + max + ", got " + value);
    }
  }
}
