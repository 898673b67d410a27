package dev.rnn4j.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.backend.DType;
import dev.rnn4j.nn.RnnTape.RnnGradients;
import dev.rnn4j.spec.RnnMode;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Backward against central finite differences in float64, on small random configurations: an
 * independent check of every gradient (input, h0, c0, each parameter) that needs no fixture.
 */
class FiniteDifferenceTest {
  private static final double EPS = 1e-6;
  private static final double TOL = 1e-6;

  static Stream<Arguments> configurations() {
    return Stream.of(
        Arguments.of(RnnConfig.rnn(3, 4).numLayers(2).bidirectional(true).build(), null, false),
        Arguments.of(
            RnnConfig.rnn(3, 4).nonlinearity(Nonlinearity.RELU).batchFirst(true).build(),
            null,
            false),
        Arguments.of(
            RnnConfig.lstm(3, 4).numLayers(2).bidirectional(true).build(),
            new int[] {3, 1, 2},
            false),
        Arguments.of(
            RnnConfig.lstm(2, 5).projSize(3).numLayers(2).batchFirst(true).build(), null, false),
        Arguments.of(
            RnnConfig.lstm(2, 4).projSize(2).bidirectional(true).build(),
            new int[] {2, 3, 1},
            false),
        Arguments.of(
            RnnConfig.gru(3, 4).numLayers(2).bidirectional(true).batchFirst(true).build(),
            new int[] {1, 3, 2},
            false),
        Arguments.of(RnnConfig.gru(2, 3).bias(false).build(), null, true),
        Arguments.of(RnnConfig.lstm(2, 3).bidirectional(true).build(), null, true),
        // Dropout between layers in training mode: backward must reuse the forward's masks.
        Arguments.of(
            RnnConfig.gru(3, 4).numLayers(3).dropout(0.5).bidirectional(true).build(),
            new int[] {3, 2, 3},
            false),
        Arguments.of(RnnConfig.lstm(3, 4).numLayers(2).dropout(0.3).build(), null, false));
  }

  @ParameterizedTest
  @MethodSource("configurations")
  void gradientsMatchFiniteDifferences(RnnConfig config, int[] lengths, boolean unbatched) {
    Rnn rnn = Rnn.create(config, 3).to(DType.FLOAT64);
    if (config.dropout() == 0) {
      rnn.eval();
    }
    Random random = new Random(17);
    int steps = 3;
    int batch = 3;
    int states = config.numLayers() * config.numDirections();
    boolean lstm = config.mode() == RnnMode.LSTM;
    int[] inShape =
        unbatched
            ? new int[] {steps, config.inputSize()}
            : config.batchFirst()
                ? new int[] {batch, steps, config.inputSize()}
                : new int[] {steps, batch, config.inputSize()};
    int[] hShape =
        unbatched
            ? new int[] {states, config.outputSize()}
            : new int[] {states, batch, config.outputSize()};
    int[] cShape =
        unbatched
            ? new int[] {states, config.hiddenSize()}
            : new int[] {states, batch, config.hiddenSize()};
    Tensor x = randn(random, inShape);
    Tensor h0 = randn(random, hShape);
    Tensor c0 = lstm ? randn(random, cShape) : null;
    RnnOutput probe = rnn.forward(x, state(h0, c0), lengths);
    Tensor gOut = randn(random, probe.output().shape());
    Tensor gH = randn(random, probe.hN().shape());
    Tensor gC = lstm ? randn(random, probe.cN().shape()) : null;

    Function<RnnOutput, Double> loss =
        out -> dot(out.output(), gOut) + dot(out.hN(), gH) + (lstm ? dot(out.cN(), gC) : 0);
    rnn.manualSeed(99);
    RnnTape tape = rnn.forwardForBackward(x, state(h0, c0), lengths);
    RnnGradients g = tape.backward(gOut, gH, gC);

    check("input", g.input(), x, v -> loss.apply(forward(rnn, v, state(h0, c0), lengths)));
    check("h0", g.h0().orElseThrow(), h0, v -> loss.apply(forward(rnn, x, state(v, c0), lengths)));
    if (lstm) {
      check(
          "c0", g.c0().orElseThrow(), c0, v -> loss.apply(forward(rnn, x, state(h0, v), lengths)));
    }
    StateDict weights = rnn.stateDict();
    StateDict grads = rnn.grad();
    for (String name : weights.names()) {
      check(
          name,
          grads.get(name),
          weights.get(name),
          v -> {
            Map<String, Tensor> changed = new LinkedHashMap<>(weights.asMap());
            changed.put(name, v);
            rnn.loadStateDict(StateDict.of(changed));
            double l = loss.apply(forward(rnn, x, state(h0, c0), lengths));
            rnn.loadStateDict(weights);
            return l;
          });
    }
  }

  /** A forward pass with the masks of the tape's pass (the same seed draws the same masks). */
  private static RnnOutput forward(Rnn rnn, Tensor x, RnnState state, int[] lengths) {
    rnn.manualSeed(99);
    return rnn.forward(x, state, lengths);
  }

  private static RnnState state(Tensor h0, Tensor c0) {
    return c0 == null ? RnnState.of(h0) : RnnState.of(h0, c0);
  }

  private static void check(String name, Tensor analytic, Tensor at, Function<Tensor, Double> f) {
    double[] base = at.toDoubleArray();
    for (int i = 0; i < base.length; i++) {
      double[] plus = base.clone();
      double[] minus = base.clone();
      plus[i] += EPS;
      minus[i] -= EPS;
      double numeric =
          (f.apply(Tensor.wrap(plus, at.shape())) - f.apply(Tensor.wrap(minus, at.shape())))
              / (2 * EPS);
      double a = analytic.getFlat(i);
      assertTrue(
          Math.abs(a - numeric) <= TOL * (1 + Math.abs(numeric)),
          name
              + " "
              + Shape.list(at.shape())
              + " element "
              + i
              + ": backward "
              + a
              + ", finite difference "
              + numeric);
    }
  }

  private static double dot(Tensor a, Tensor b) {
    double s = 0;
    for (int i = 0; i < a.numel(); i++) {
      s += a.getFlat(i) * b.getFlat(i);
    }
    return s;
  }

  private static Tensor randn(Random random, int... shape) {
    double[] data = new double[Shape.numel(shape)];
    for (int i = 0; i < data.length; i++) {
      data[i] = random.nextGaussian();
    }
    return Tensor.wrap(data, shape);
  }
}
