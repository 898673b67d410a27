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
 * 1e-5 absolute) and float64 (within 1e-10): outputs, final states, and for the backward fixtures the
 * gradients of the input, the initial states and every parameter. Float32 fixtures also run in float64
 * (both backends converted), so every configuration is checked at both precisions. The largest difference
 * of each case goes to the table that {@code native-test/run.sh} copies into docs/gpu-results.md
 * ({@code -Drnn4j.gpu.report=FILE}).
 */
@GpuTest
class CudaParityGpuTest {
  private static final double FP32_ATOL = 1e-5;
  private static final double FP64_ATOL = 1e-10;
  private static final Map<String, double[]> WORST = Collections.synchronizedMap(new LinkedHashMap<>());

  private static CudaBackend gpu;

  @BeforeAll
  static void open() {
    gpu = CudaBackend.open(0, MathMode.STRICT_FP32);
  }

  @AfterAll
  static void report() throws IOException {
    String file = System.getProperty("rnn4j.gpu.report");
    if (file != null) {
      List<String> lines = new ArrayList<>();
      lines.add("| fixture | kind | float32 max abs diff | float64 max abs diff |");
      lines.add("|---|---|---|---|");
      double worst32 = 0;
      double worst64 = 0;
      synchronized (WORST) {
        for (Map.Entry<String, double[]> e : WORST.entrySet()) {
          double[] v = e.getValue();
          worst32 = Math.max(worst32, Double.isNaN(v[0]) ? 0 : v[0]);
          worst64 = Math.max(worst64, v[1]);
          lines.add(String.format("| %s | %s | %s | %.3g |", e.getKey().substring(e.getKey().indexOf(':') + 1),
              e.getKey().substring(0, e.getKey().indexOf(':')), Double.isNaN(v[0]) ? "-" : String.format("%.3g", v[0]),
              v[1]));
        }
      }
      lines.add(1, "");
      lines.add(0, String.format("%d cases; worst float32 difference %.3g (bar 1e-5), worst float64 %.3g "
          + "(bar 1e-10)", WORST.size(), worst32, worst64));
      Path p = Paths.get(file);
      Files.createDirectories(p.toAbsolutePath().getParent());
      Files.write(p, lines);
    }
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
    double[] worst = {Double.NaN, 0};
    RnnConfig config = ModelConfigJson.read(c.dir().resolve("config.json"));
    StateDict weights = StateDictFiles.read(c.dir().resolve("weights.safetensors"));
    SafetensorsFile in = Safetensors.read(c.dir().resolve("input.safetensors"));
    boolean fp32 = in.tensor("input").dtype() == DType.FLOAT32;
    for (DType dtype : fp32 ? List.of(DType.FLOAT32, DType.FLOAT64) : List.of(DType.FLOAT64)) {
      double atol = dtype == DType.FLOAT32 ? FP32_ATOL : FP64_ATOL;
      try (Rnn cpu = Rnn.fromStateDict(config, weights).to(dtype).to(Backends.cpu()).eval();
          Rnn cuda = Rnn.fromStateDict(config, weights).to(dtype).to(gpu).eval()) {
        Tensor input = in.tensor("input").to(dtype);
        RnnState state = state(in, dtype);
        int[] lengths = lengths(in);
        RnnOutput a = cpu.forward(input, state, lengths);
        RnnOutput b = cuda.forward(input, state, lengths);
        double d = max(diff(a.output(), b.output()), diff(a.hN(), b.hN()),
            config.mode() == RnnMode.LSTM ? diff(a.cN(), b.cN()) : 0);
        worst[dtype == DType.FLOAT32 ? 0 : 1] = d;
        assertTrue(d <= atol, String.format("%s %s: max |cpu - cuda| = %.3g > %.1g", c.id(), dtype, d, atol));
      }
    }
    WORST.put("forward:" + c.id(), worst);
    assertEquals(0, CudaBackend.liveAllocations(), "device buffers still allocated after " + c.id());
  }

  private static void backward(FixtureCase c) throws IOException {
    double[] worst = {Double.NaN, 0};
    RnnConfig config = ModelConfigJson.read(c.dir().resolve("config.json"));
    StateDict weights = StateDictFiles.read(c.dir().resolve("weights.safetensors"));
    SafetensorsFile in = Safetensors.read(c.dir().resolve("input.safetensors"));
    SafetensorsFile grad = Safetensors.read(c.dir().resolve("grad.safetensors"));
    boolean fp32 = in.tensor("input").dtype() == DType.FLOAT32;
    for (DType dtype : fp32 ? List.of(DType.FLOAT32, DType.FLOAT64) : List.of(DType.FLOAT64)) {
      double atol = dtype == DType.FLOAT32 ? FP32_ATOL : FP64_ATOL;
      double d = 0;
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
      for (int i = 0; i < results[0].length; i++) {
        if (results[0][i] != null) {
          d = Math.max(d, diff(results[0][i], results[1][i]));
        }
      }
      assertEquals(grads[0].names(), grads[1].names(), c.id());
      for (String name : grads[0].names()) {
        d = Math.max(d, diff(grads[0].get(name), grads[1].get(name)));
      }
      worst[dtype == DType.FLOAT32 ? 0 : 1] = d;
      assertTrue(d <= atol, String.format("%s %s: max |cpu - cuda| = %.3g > %.1g", c.id(), dtype, d, atol));
    }
    WORST.put("backward:" + c.id(), worst);
    assertEquals(0, CudaBackend.liveAllocations(), "device buffers still allocated after " + c.id());
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

  private static double diff(Tensor a, Tensor b) {
    assertEquals(Arrays.toString(a.shape()), Arrays.toString(b.shape()), "shapes");
    double m = 0;
    for (int i = 0; i < a.numel(); i++) {
      double d = Math.abs(a.getFlat(i) - b.getFlat(i));
      if (Double.isNaN(d)) {
        return Double.POSITIVE_INFINITY;
      }
      m = Math.max(m, d);
    }
    return m;
  }

  private static double max(double... v) {
    return Arrays.stream(v).max().orElse(0);
  }
}
