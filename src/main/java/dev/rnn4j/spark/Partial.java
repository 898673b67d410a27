package dev.rnn4j.spark;

import dev.rnn4j.backend.DType;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.train.Forecaster;
import dev.rnn4j.train.Trainer;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A share's gradient flattened in the driver's parameter order, its loss sum and its sample count:
 * what {@link SparkTrainer}'s shares add up, in share order, to a step's gradient.
 *
 * @param share the (first) share summed in
 * @param values the gradient, parameter after parameter in the driver's order
 */
record Partial(int share, double[] values, double lossSum, int samples) implements Serializable {
  /**
   * How many shares a step of {@code batches} splits into over {@code tasks} tasks: one per task,
   * or one per sample of the step's first (largest) mini-batch if it has fewer, so that every share
   * holds a sample.
   */
  static int shares(int[][] batches, int tasks) {
    return Math.min(tasks, batches[0].length);
  }

  /**
   * Share {@code share}'s part of each of the step's mini-batches: the {@code share}-th of {@code
   * shares} contiguous, nearly equal slices of each (empty where a short last mini-batch has fewer
   * samples than shares). The shares together hold the step's samples, each once.
   */
  static int[][] parts(int[][] batches, int share, int shares) {
    int[][] parts = new int[batches.length][];
    for (int b = 0; b < batches.length; b++) {
      int n = batches[b].length;
      parts[b] =
          Arrays.copyOfRange(
              batches[b],
              (int) ((long) share * n / shares),
              (int) ((long) (share + 1) * n / shares));
    }
    return parts;
  }

  /** The number of samples in {@code batches}. */
  static int samples(int[][] batches) {
    return Arrays.stream(batches).mapToInt(b -> b.length).sum();
  }

  /** {@code g} flattened in the order of {@code names}; every name must have a gradient. */
  static Partial of(int share, List<String> names, Forecaster.ShareGradient g) {
    Map<String, Tensor> grads = g.grads().asMap();
    double[][] parts = new double[names.size()][];
    int size = 0;
    for (int i = 0; i < parts.length; i++) {
      Tensor grad = grads.get(names.get(i));
      if (grad == null) {
        throw new IllegalStateException(
            String.format(
                "share %d has no gradient for parameter %s; it has %s",
                share, names.get(i), grads.keySet()));
      }
      parts[i] = grad.toDoubleArray();
      size += parts[i].length;
    }
    double[] flat = new double[size];
    int at = 0;
    for (double[] part : parts) {
      System.arraycopy(part, 0, flat, at, part.length);
      at += part.length;
    }
    return new Partial(share, flat, g.lossSum(), g.samples());
  }

  /** The sum of {@code parts}, added in share order; it carries the first share's index. */
  static Partial sum(Iterable<Partial> parts) {
    List<Partial> sorted = new ArrayList<>();
    parts.forEach(sorted::add);
    sorted.sort(Comparator.comparingInt(Partial::share));
    Partial first = sorted.get(0);
    double[] values = first.values().clone();
    double lossSum = first.lossSum();
    int samples = first.samples();
    for (Partial p : sorted.subList(1, sorted.size())) {
      for (int i = 0; i < values.length; i++) {
        values[i] += p.values()[i];
      }
      lossSum += p.lossSum();
      samples += p.samples();
    }
    return new Partial(first.share(), values, lossSum, samples);
  }

  /** How many groups a sum of {@code shares} parts has: about sqrt(shares). */
  static int groups(int shares) {
    return (int) Math.ceil(Math.sqrt(shares));
  }

  /** The group of consecutive shares that share {@code share} of {@code shares} is summed in. */
  static int group(int share, int groups, int shares) {
    return share * groups / shares;
  }

  /**
   * The sum of all {@code shares} parts as the two-level tree that {@link SparkTrainer}'s
   * job-per-step mode computes across executors and driver: groups of consecutive shares first,
   * then the groups, every addition in share order. The same parts give the same bits in either
   * mode.
   */
  static Partial treeSum(List<Partial> parts) {
    int shares = parts.size();
    int groups = groups(shares);
    List<List<Partial>> byGroup = new ArrayList<>();
    for (int g = 0; g < groups; g++) {
      byGroup.add(new ArrayList<>());
    }
    for (Partial p : parts) {
      byGroup.get(group(p.share(), groups, shares)).add(p);
    }
    List<Partial> sums = new ArrayList<>();
    for (List<Partial> members : byGroup) {
      if (!members.isEmpty()) {
        sums.add(sum(members));
      }
    }
    return sum(sums);
  }

  /**
   * The part as bytes for the barrier tasks' exchange: the share, the sample count, the loss sum
   * and the values, little-endian, the values as float32 when {@code dtype} is float32 (a float32
   * model's gradients widened, so nothing is lost) and as float64 otherwise.
   */
  byte[] toBytes(DType dtype) {
    boolean narrow = dtype == DType.FLOAT32;
    ByteBuffer buf =
        ByteBuffer.allocate(16 + values.length * (narrow ? 4 : 8)).order(ByteOrder.LITTLE_ENDIAN);
    buf.putInt(share).putInt(samples).putDouble(lossSum);
    for (double v : values) {
      if (narrow) {
        buf.putFloat((float) v);
      } else {
        buf.putDouble(v);
      }
    }
    return buf.array();
  }

  /** {@link #toBytes}'s inverse for a part of {@code size} values. */
  static Partial fromBytes(byte[] bytes, DType dtype, int size) {
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    boolean narrow = dtype == DType.FLOAT32;
    int expected = 16 + size * (narrow ? 4 : 8);
    if (buf.remaining() != expected) {
      throw new IllegalStateException(
          String.format(
              "an exchanged gradient must have %d values. Expected %d bytes, got %d",
              size, expected, buf.remaining()));
    }
    int share = buf.getInt();
    int samples = buf.getInt();
    double lossSum = buf.getDouble();
    double[] values = new double[size];
    for (int i = 0; i < size; i++) {
      values[i] = narrow ? buf.getFloat() : buf.getDouble();
    }
    return new Partial(share, values, lossSum, samples);
  }

  /**
   * The step's mean loss and gradient from this sum of every share's part, in either mode.
   *
   * @param samples the step's samples, which the shares together must hold
   * @param params the model's parameters, whose names, shapes and dtypes the gradients take
   * @throws IllegalStateException if the sum holds another number of samples
   */
  Trainer.StepGradient stepGradient(int samples, StateDict params) {
    if (this.samples != samples) {
      throw new IllegalStateException(
          String.format(
              "the shares' gradients must cover the step (its k mini-batches). Expected %d samples,"
                  + " got %d",
              samples, this.samples));
    }
    double loss = lossSum / samples;
    if (!Double.isFinite(loss)) {
      return new Trainer.StepGradient(loss, null);
    }
    return new Trainer.StepGradient(loss, toStateDict(params));
  }

  /** The sum as gradients of {@code params}: the same names, shapes and dtypes. */
  StateDict toStateDict(StateDict params) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    int at = 0;
    for (Map.Entry<String, Tensor> e : params.asMap().entrySet()) {
      Tensor p = e.getValue();
      out.put(
          e.getKey(),
          Tensor.wrap(Arrays.copyOfRange(values, at, at + p.numel()), p.shape()).to(p.dtype()));
      at += p.numel();
    }
    return StateDict.of(out);
  }
}
