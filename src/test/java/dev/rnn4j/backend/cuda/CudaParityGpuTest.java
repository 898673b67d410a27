package dev.rnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.rnn4j.backend.Backends;
import dev.rnn4j.io.ModelConfigJson;
import dev.rnn4j.io.Safetensors;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.io.StateDictFiles;
import dev.rnn4j.nn.Rnn;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.RnnMode;
import dev.rnn4j.nn.RnnOutput;
import dev.rnn4j.nn.RnnState;
import dev.rnn4j.nn.RnnTape;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.Fixtures;
import dev.rnn4j.testing.Fixtures.FixtureCase;
import dev.rnn4j.testing.GpuTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The CUDA backend against the CPU backend on every forward and backward fixture, in strict FP32 (within
 * 1e-5 absolute) and float64 (within 1e-10 absolute): outputs, final states, and for the backward fixtures
 * the gradients of the input, the initial states and every parameter. Float32 fixtures also run in float64
 * (both backends converted), so every configuration is checked at both precisions.
 *
 * <p>The table ({@code -Drnn4j.gpu.report=FILE}, which {@code native-test/run.sh} writes for
 * docs/gpu-results.md) gives for each case the largest absolute difference of the outputs and states and of
 * the gradients, with the value where the gradients' largest difference occurs.
 */
@GpuTest
class CudaParityGpuTest {
  private static final double FP32_ATOL = 1e-5;
  private static final double FP64_ATOL = 1e-10;
  private static final Map<String, String> ROWS = Collections.synchronizedMap(new LinkedHashMap<>());
  private static final double[] WORST = new double[3];

  private static CudaBackend gpu;

  @BeforeAll
  static void open() {
    gpu = CudaBackend.open(0, MathMode.STRICT_FP32);
  }

  @AfterAll
  static void report() throws IOException {
    String file = System.getProperty("rnn4j.gpu.report");
    if (file == null) {
      return;
    }
    List<String> lines = new ArrayList<>();
    synchronized (ROWS) {
      lines.add(String.format("%d cases. Largest |cpu - cuda|: float32 outputs and states %.3g, float32 gradients "
          + "%.3g (bar 1e-5); float64, everything, %.3g (bar 1e-10).", ROWS.size(), WORST[0], WORST[1],
          WORST[2]));
      lines.add("");
      lines.add("| fixture | kind | f32 outputs, states | f32 gradients (at a value of) | f64 max |");
      lines.add("|---|---|---|---|---|");
      lines.addAll(ROWS.values());
    }
    Path p = Paths.get(file);
    Files.createDirectories(p.toAbsolutePath().getParent());
    Files.write(p, lines);
  }

  @TestFactory
  Stream<DynamicTest> forwardFixturesMatchTheCpu() {
    return Fixtures.forwardCases().stream().map(c -> dynamicTest(c.id(), () -> forward(c)));
  }

  @TestFactory
  Stream<DynamicTest> backwardFixturesMatchTheCpu() {
    return Fixtures.cases("backward").stream().map(c -> dynamicTest(c.id(), () -> backward(c)));
  }

  @Test
  void weightsComeBackFromTheWeightSpaceUnchanged() throws IOException {
    for (FixtureCase c : Fixtures.cases("backward")) {
      RnnConfig config = ModelConfigJson.read(c.dir().resolve("config.json"));
      StateDict weights = StateDictFiles.read(c.dir().resolve("weights.safetensors"));
      try (Rnn rnn = Rnn.fromStateDict(config, weights)) {
        List<Tensor> sent = rnn.parameterKeys().stream().map(k -> weights.get(k.name())).toList();
        try (CudaRnnKernel kernel = (CudaRnnKernel) gpu.createRnnKernel(config, sent)) {
          List<Tensor> back = kernel.parameters();
          assertEquals(sent.size(), back.size(), c.id());
          for (int i = 0; i < sent.size(); i++) {
            assertEquals(sent.get(i), back.get(i), c.id() + " parameter " + i);
          }
        }
      }
    }
    assertEquals(0, CudaBackend.liveAllocations(), "device buffers still allocated");
  }

  private static void forward(FixtureCase c) throws IOException {
    Diff f32 = null;
    Diff f64 = null;
    RnnConfig config = ModelConfigJson.read(c.dir().resolve("config.json"));
    StateDict weights = StateDictFiles.read(c.dir().resolve("weights.safetensors"));
    SafetensorsFile in = Safetensors.read(c.dir().resolve("input.safetensors"));
    boolean fp32 = in.tensor("input").dtype() == DType.FLOAT32;
    for (DType dtype : fp32 ? List.of(DType.FLOAT32, DType.FLOAT64) : List.of(DType.FLOAT64)) {
      try (Rnn cpu = Rnn.fromStateDict(config, weights).to(dtype).to(Backends.cpu()).eval();
          Rnn cuda = Rnn.fromStateDict(config, weights).to(dtype).to(gpu).eval()) {
        Tensor input = in.tensor("input").to(dtype);
        RnnState state = state(in, dtype);
        int[] lengths = lengths(in);
        RnnOutput a = cpu.forward(input, state, lengths);
        RnnOutput b = cuda.forward(input, state, lengths);
        Diff d = Diff.of(a.output(), b.output()).and(Diff.of(a.hN(), b.hN()));
        if (config.mode() == RnnMode.LSTM) {
          d = d.and(Diff.of(a.cN(), b.cN()));
        }
        if (dtype == DType.FLOAT32) {
          f32 = d;
        } else {
          f64 = d;
        }
      }
    }
    record(c, "forward", f32, null, f64);
  }

  private static void backward(FixtureCase c) throws IOException {
    Diff[] f32 = new Diff[2];
    Diff f64 = null;
    RnnConfig config = ModelConfigJson.read(c.dir().resolve("config.json"));
    StateDict weights = StateDictFiles.read(c.dir().resolve("weights.safetensors"));
    SafetensorsFile in = Safetensors.read(c.dir().resolve("input.safetensors"));
    SafetensorsFile grad = Safetensors.read(c.dir().resolve("grad.safetensors"));
    boolean fp32 = in.tensor("input").dtype() == DType.FLOAT32;
    for (DType dtype : fp32 ? List.of(DType.FLOAT32, DType.FLOAT64) : List.of(DType.FLOAT64)) {
      StateDict[] grads = new StateDict[2];
      Tensor[][] results = new Tensor[2][];
      int k = 0;
      for (boolean onGpu : new boolean[] {false, true}) {
        try (Rnn rnn = Rnn.fromStateDict(config, weights).to(dtype)) {
          rnn.to(onGpu ? gpu : Backends.cpu()).eval();
          RnnTape tape = rnn.forwardForBackward(in.tensor("input").to(dtype), state(in, dtype), lengths(in));
          RnnTape.RnnGradients g = tape.backward(grad.tensor("grad_output").to(dtype),
              grad.contains("grad_h_n") ? grad.tensor("grad_h_n").to(dtype) : null,
              grad.contains("grad_c_n") ? grad.tensor("grad_c_n").to(dtype) : null);
          results[k] = new Tensor[] {tape.output().output(), tape.output().hN(),
              config.mode() == RnnMode.LSTM ? tape.output().cN() : null, g.input(), g.h0().orElse(null),
              g.c0().orElse(null)};
          grads[k] = rnn.grad();
          k++;
        }
      }
      Diff values = Diff.NONE;
      Diff gradients = Diff.NONE;
      for (int i = 0; i < results[0].length; i++) {
        if (results[0][i] != null) {
          Diff d = Diff.of(results[0][i], results[1][i]);
          values = i < 3 ? values.and(d) : values;
          gradients = i < 3 ? gradients : gradients.and(d);
        }
      }
      assertEquals(grads[0].names(), grads[1].names(), c.id());
      for (String name : grads[0].names()) {
        gradients = gradients.and(Diff.of(grads[0].get(name), grads[1].get(name)));
      }
      if (dtype == DType.FLOAT32) {
        f32[0] = values;
        f32[1] = gradients;
      } else {
        f64 = values.and(gradients);
      }
    }
    record(c, "backward", f32[0], f32[1], f64);
  }

  private static RnnState state(SafetensorsFile in, DType dtype) {
    if (!in.contains("h0")) {
      return null;
    }
    return in.contains("c0")
        ? RnnState.of(in.tensor("h0").to(dtype), in.tensor("c0").to(dtype))
        : RnnState.of(in.tensor("h0").to(dtype));
  }

  private static int[] lengths(SafetensorsFile in) {
    return in.contains("lengths")
        ? Arrays.stream(in.int64s("lengths")).mapToInt(Math::toIntExact).toArray() : null;
  }

  /** The largest |cpu - cuda| of some tensors, and the reference value where it occurs. */
  private record Diff(double abs, double at) {
    static final Diff NONE = new Diff(0, 0);

    static Diff of(Tensor cpu, Tensor cuda) {
      assertEquals(Arrays.toString(cpu.shape()), Arrays.toString(cuda.shape()), "shapes");
      Diff d = NONE;
      for (int i = 0; i < cpu.numel(); i++) {
        double ref = cpu.getFlat(i);
        double e = Math.abs(ref - cuda.getFlat(i));
        if (Double.isNaN(e)) {
          return new Diff(Double.POSITIVE_INFINITY, ref);
        }
        d = d.and(new Diff(e, ref));
      }
      return d;
    }

    Diff and(Diff o) {
      return o.abs > abs ? o : this;
    }
  }

  /** Records a case's row, then holds it to the bars. */
  private static void record(FixtureCase c, String kind, Diff values32, Diff grads32, Diff all64) {
    synchronized (ROWS) {
      WORST[0] = Math.max(WORST[0], values32 == null ? 0 : values32.abs());
      WORST[1] = Math.max(WORST[1], grads32 == null ? 0 : grads32.abs());
      WORST[2] = Math.max(WORST[2], all64.abs());
      ROWS.put(kind + ":" + c.id(), String.format("| %s | %s | %s | %s | %.3g |", c.id(), kind,
          values32 == null ? "-" : String.format("%.3g", values32.abs()),
          grads32 == null ? "-" : String.format("%.3g (%.3g)", grads32.abs(), grads32.at()), all64.abs()));
    }
    for (Diff d : new Diff[] {values32, grads32}) {
      if (d != null) {
        assertTrue(d.abs() <= FP32_ATOL, String.format("%s float32: |cpu - cuda| = %.3g at %.4g > 1e-5", c.id(),
            d.abs(), d.at()));
      }
    }
    assertTrue(all64.abs() <= FP64_ATOL, String.format("%s float64: |cpu - cuda| = %.3g at %.4g > 1e-10",
        c.id(), all64.abs(), all64.at()));
    assertEquals(0, CudaBackend.liveAllocations(), "device buffers still allocated after " + c.id());
  }
}
