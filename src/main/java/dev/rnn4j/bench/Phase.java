package dev.rnn4j.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** What one timed call does; the names are those of the results' {@code phase} field. */
public enum Phase {
  /** {@code rnn.eval().forward(x)} with {@code x} on the module's device: inference, F FLOP. */
  FORWARD("forward", 1, "rnn.eval().forward(x), x on the device"),
  /**
   * {@code rnn.forwardForBackward(x, null, null).backward(ones_like(output), null, null)} then
   * {@code rnn.zeroGrad()}: the backward of {@code sum(output)} to the input and every weight, no
   * optimizer step; 3F FLOP.
   */
  TRAIN_STEP(
      "train_step",
      3,
      "rnn.forwardForBackward(x), backward of sum(output) to x and every "
          + "weight, rnn.zeroGrad(); no optimizer"),
  /**
   * One step of a user's training loop through the public API, the batch already on the device: a
   * many-to-one {@code SequenceModel} (the case's RNN and {@code nn.Linear(D * H_out, 1)} on the
   * last step), {@code model.forwardForBackward(x, null)}, {@code
   * MseLoss.compute(tape.prediction(), target)}, {@code tape.backward(loss.gradient())}, {@code
   * GradClipping.clipGradNorm(model.parameters(), 1.0)}, Adam ({@code lr=1e-3}) {@code
   * optimizer.step()} and {@code optimizer.zeroGrad()}, and every 10th step {@code loss.value()}
   * (PyTorch's {@code loss.item()}); 3F FLOP (see {@link Flops}).
   */
  LOOP(
      "loop",
      3,
      "SequenceModel(rnn, Linear(D*H_out, "
          + BenchRunner.LOOP_OUT_FEATURES
          + ")) on the last step: forwardForBackward(x), MseLoss, backward, clipGradNorm("
          + BenchRunner.LOOP_CLIP_NORM
          + "), Adam(lr="
          + BenchRunner.LOOP_LR
          + ") step, zeroGrad; "
          + "loss.value() every "
          + BenchRunner.LOSS_READ_INTERVAL
          + " steps; x and target on the device"),
  /**
   * {@code rnn.eval().forward(x)} with {@code x} on the host for a module on the backend: the
   * convenience path, whose input is copied to the device and whose results ({@code output}, {@code
   * h_n}, {@code c_n}) come back to the host, as PyTorch's {@code module(x.to(dev))} followed by
   * {@code .cpu()} of each result. On the CPU it is {@link #FORWARD}. F FLOP.
   */
  FORWARD_HOST(
      "forward_host", 1, "rnn.eval().forward(x), x on the host: copied in, results copied out");

  /** The phases {@code bench} runs unless told otherwise. */
  public static final List<Phase> DEFAULTS = List.of(FORWARD, TRAIN_STEP);

  private final String jsonName;
  private final int forwardMultiple;
  private final String description;

  Phase(String jsonName, int forwardMultiple, String description) {
    this.jsonName = jsonName;
    this.forwardMultiple = forwardMultiple;
    this.description = description;
  }

  /** The phase named {@code name} ({@link #jsonName()}, case-insensitive). */
  public static Phase fromJsonName(String name) {
    String wanted = name.strip().toLowerCase(Locale.ROOT);
    return Arrays.stream(values())
        .filter(p -> p.jsonName.equals(wanted))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown phase '"
                        + name
                        + "': expected "
                        + Arrays.stream(values())
                            .map(Phase::jsonName)
                            .collect(Collectors.joining(", "))));
  }

  /** {@code forward}, {@code train_step}, {@code loop} or {@code forward_host}. */
  public String jsonName() {
    return jsonName;
  }

  /** This phase's FLOPs in units of the forward pass's: 1 or 3 (see {@link Flops}). */
  public int forwardMultiple() {
    return forwardMultiple;
  }

  /** What one call does, in one line, for the report's header. */
  public String description() {
    return description;
  }

  @Override
  public String toString() {
    return jsonName;
  }
}
