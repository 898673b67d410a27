package dev.rnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.DType;
import dev.rnn4j.io.ModelConfigJson;
import dev.rnn4j.io.Safetensors;
import dev.rnn4j.io.SafetensorsWriter;
import dev.rnn4j.io.StateDictFiles;
import dev.rnn4j.nn.Rnn;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.FixturePass;
import dev.rnn4j.testing.FixturePass.Results;
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
 * The CUDA backend against the CPU backend on every forward and backward fixture, in strict FP32
 * (within 1e-5 absolute) and float64 (within 1e-10 absolute): outputs, final states, and for the
 * backward fixtures the gradients of the input, the initial states and every parameter. Every
 * fixture also runs in float64 (float32 ones converted), so every configuration is checked at both
 * precisions.
 *
 * <p>The table ({@code -Drnn4j.gpu.report=FILE}, which {@code native-test/run.sh} writes for
 * docs/gpu-results.md) gives for each case the largest absolute difference of the outputs and
 * states and of the gradients, with the value where the gradients' largest difference occurs, and
 * each backend's own float32 error: its largest distance from the CPU's float64 run of the same
 * float32 values, which says which side a float32 difference comes from. With {@code
 * -Drnn4j.gpu.dump=DIR} the CUDA backend's float32 results of each backward case go to {@code
 * DIR/<case>.safetensors} ({@code value.0..}, {@code grad.0..} in the order {@link #backward} lists
 * them), so that a float32 difference can be studied where there is no GPU.
 */
@GpuTest
class CudaParityGpuTest {
  private static final double FP32_ATOL = 1e-5;
  private static final double FP64_ATOL = 1e-10;
  private static final Map<String, String> ROWS =
      Collections.synchronizedMap(new LinkedHashMap<>());
  private static final double[] WORST = new double[5];

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
      lines.add(
          String.format(
              "%d cases. Largest |cpu - cuda|: float32 outputs and states %.3g, float32 gradients "
                  + "%.3g (bar 1e-5); float64, everything, %.3g (bar 1e-10). Largest own float32 error (distance from "
                  + "the CPU's float64 run of the same values): CPU %.3g, CUDA %.3g.",
              ROWS.size(), WORST[0], WORST[1], WORST[2], WORST[3], WORST[4]));
      lines.add("");
      lines.add(
          "| fixture | kind | f32 outputs, states | f32 gradients (at a value of) | CPU f32 own error "
              + "| CUDA f32 own error | f64 max |");
      lines.add("|---|---|---|---|---|---|---|");
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
      // The parameters are views into cuDNN's weight space: written there, read back bit for bit.
      try (Rnn rnn = Rnn.fromStateDict(config, weights).to(gpu)) {
        StateDict back = rnn.stateDict();
        assertEquals(weights.names(), back.names(), c.id());
        for (String name : weights.names()) {
          assertEquals(weights.get(name), back.get(name), c.id() + " " + name);
        }
      }
    }
    assertEquals(0, CudaBackend.liveAllocations(), "device buffers still allocated");
  }

  private static void forward(FixtureCase c) throws IOException {
    compare(c, "forward", FixturePass.forward(c));
  }

  private static void backward(FixtureCase c) throws IOException {
    compare(c, "backward", FixturePass.backward(c));
  }

  /**
   * Runs a case on both backends in float64 and, for a float32 fixture, in float32, and holds the
   * results to the bars. The float32 bar leaves room for each side's own rounding: the float32
   * gradients of the largest fixtures lie up to about 7e-6 (either side) from the float64 results
   * of the same values (docs/gpu-results.md), so the bar needs the CPU's blocked sums over rows
   * ({@code CpuMath.SUM_BLOCK}), without which the CPU alone was 1.1e-5 off.
   */
  private static void compare(FixtureCase c, String kind, FixturePass pass) throws IOException {
    Results cpu64 = pass.run(DType.FLOAT64, Backends.cpu());
    Results gpu64 = pass.run(DType.FLOAT64, gpu);
    Diff all64 =
        Diff.of(cpu64.values(), gpu64.values(), null)
            .and(Diff.of(cpu64.grads(), gpu64.grads(), null));
    Diff values32 = null;
    Diff grads32 = null;
    if (pass.float32()) {
      Results cpu32 = pass.run(DType.FLOAT32, Backends.cpu());
      Results gpu32 = pass.run(DType.FLOAT32, gpu);
      dump(c, kind, gpu32);
      values32 = Diff.of(cpu32.values(), gpu32.values(), cpu64.values());
      grads32 =
          cpu32.grads().isEmpty() ? null : Diff.of(cpu32.grads(), gpu32.grads(), cpu64.grads());
    }
    record(c, kind, values32, grads32, all64);
  }

  private static void dump(FixtureCase c, String kind, Results gpu32) throws IOException {
    String dir = System.getProperty("rnn4j.gpu.dump");
    if (dir == null || !kind.equals("backward")) {
      return;
    }
    SafetensorsWriter file = Safetensors.writer().metadata("case", c.id());
    for (int i = 0; i < gpu32.values().size(); i++) {
      file.put("value." + i, gpu32.values().get(i));
    }
    for (int i = 0; i < gpu32.grads().size(); i++) {
      file.put("grad." + i, gpu32.grads().get(i));
    }
    Files.createDirectories(Paths.get(dir));
    file.write(Paths.get(dir, c.id() + ".safetensors"));
  }

  /**
   * The largest |cpu - cuda| over some tensors and the CPU's value there, and each side's own
   * float32 error, the largest |cpu - cpu64| and |cuda - cpu64| (when the float64 results are
   * given).
   */
  private record Diff(double abs, double at, double cpuOwn, double cudaOwn) {
    static final Diff NONE = new Diff(0, 0, 0, 0);

    static Diff of(List<Tensor> cpu, List<Tensor> cuda, List<Tensor> cpu64) {
      assertEquals(cpu.size(), cuda.size(), "result count");
      Diff d = NONE;
      for (int t = 0; t < cpu.size(); t++) {
        Tensor a = cpu.get(t);
        Tensor b = cuda.get(t);
        assertEquals(Arrays.toString(a.shape()), Arrays.toString(b.shape()), "shapes");
        for (int i = 0; i < a.numel(); i++) {
          double ref = a.getFlat(i);
          double e = Math.abs(ref - b.getFlat(i));
          double inf = Double.POSITIVE_INFINITY;
          if (Double.isNaN(e)) {
            return new Diff(inf, ref, inf, inf);
          }
          double exact = cpu64 == null ? Double.NaN : cpu64.get(t).getFlat(i);
          double cpuOwn = cpu64 == null ? 0 : Math.abs(ref - exact);
          double cudaOwn = cpu64 == null ? 0 : Math.abs(b.getFlat(i) - exact);
          d = d.and(new Diff(e, ref, cpuOwn, cudaOwn));
        }
      }
      return d;
    }

    Diff and(Diff o) {
      return new Diff(
          Math.max(abs, o.abs),
          o.abs > abs ? o.at : at,
          Math.max(cpuOwn, o.cpuOwn),
          Math.max(cudaOwn, o.cudaOwn));
    }
  }

  /** Records a case's row, then holds it to the bars. */
  private static void record(FixtureCase c, String kind, Diff values32, Diff grads32, Diff all64) {
    synchronized (ROWS) {
      WORST[0] = Math.max(WORST[0], values32 == null ? 0 : values32.abs());
      WORST[1] = Math.max(WORST[1], grads32 == null ? 0 : grads32.abs());
      WORST[2] = Math.max(WORST[2], all64.abs());
      Diff f32 = values32 == null ? null : grads32 == null ? values32 : values32.and(grads32);
      if (f32 != null) {
        WORST[3] = Math.max(WORST[3], f32.cpuOwn());
        WORST[4] = Math.max(WORST[4], f32.cudaOwn());
      }
      ROWS.put(
          kind + ":" + c.id(),
          String.format(
              "| %s | %s | %s | %s | %s | %s | %.3g |",
              c.id(),
              kind,
              values32 == null ? "-" : String.format("%.3g", values32.abs()),
              grads32 == null ? "-" : String.format("%.3g (%.3g)", grads32.abs(), grads32.at()),
              f32 == null ? "-" : String.format("%.3g", f32.cpuOwn()),
              f32 == null ? "-" : String.format("%.3g", f32.cudaOwn()),
              all64.abs()));
    }
    for (Diff d : new Diff[] {values32, grads32}) {
      if (d != null) {
        assertTrue(
            d.abs() <= FP32_ATOL,
            String.format(
                "%s float32: |cpu - cuda| = %.3g at %.4g > 1e-5 (own "
                    + "float32 errors: CPU %.3g, CUDA %.3g)",
                c.id(), d.abs(), d.at(), d.cpuOwn(), d.cudaOwn()));
      }
    }
    assertTrue(
        all64.abs() <= FP64_ATOL,
        String.format(
            "%s float64: |cpu - cuda| = %.3g at %.4g > 1e-10", c.id(), all64.abs(), all64.at()));
    assertEquals(
        0, CudaBackend.liveAllocations(), "device buffers still allocated after " + c.id());
  }
}
