package dev.rnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.BackendStats;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.HostStorage;
import dev.rnn4j.backend.RnnKernel;
import dev.rnn4j.backend.RnnKernel.BackwardResult;
import dev.rnn4j.backend.RnnKernel.ForwardArgs;
import dev.rnn4j.backend.RnnKernel.ForwardResult;
import dev.rnn4j.backend.RnnKernel.Tape;
import dev.rnn4j.backend.Storage;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.spec.RnnMode;
import dev.rnn4j.spec.RnnShape;
import dev.rnn4j.testing.GpuTest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The CUDA backend against the CPU backend through the {@link Backend} SPI alone, with the same
 * random parameters and inputs: every mode × bias × bidirectional × batch_first, a projection, and
 * unsorted variable lengths, in strict FP32 (within 1e-5 absolute) and float64 (within 1e-10).
 * Compared: the parameters read back from cuDNN's weight space (bit for bit: they are views,
 * written and read in place), outputs and final states, and after two backward passes the input and
 * initial-state gradients and every parameter's gradient, accumulated over both passes as PyTorch's
 * {@code .grad}. Also the allocator's reuse, one plan build per shape, and dropout masks that
 * follow their seeds. Every test ends with no device block handed out.
 */
@GpuTest
class CudaRnnKernelGpuTest {
  private static final double FP32_ATOL = 1e-5;
  private static final double FP64_ATOL = 1e-10;
  private static final int STEPS = 5;
  private static final int BATCH = 3;

  private static Backend cpu;
  private static CudaBackend gpu;

  @BeforeAll
  static void open() {
    cpu = Backends.cpu();
    gpu = CudaBackend.open(Integer.getInteger("rnn4j.gpu.device", 0), MathMode.STRICT_FP32);
  }

  @AfterEach
  void nothingLeaks() {
    assertEquals(0, CudaBackend.liveAllocations(), "device blocks still handed out");
  }

  @TestFactory
  Stream<DynamicTest> everyConfigurationMatchesTheCpu() {
    List<DynamicTest> tests = new ArrayList<>();
    for (RnnMode mode : new RnnMode[] {RnnMode.RNN_TANH, RnnMode.LSTM, RnnMode.GRU}) {
      for (boolean bias : new boolean[] {true, false}) {
        for (boolean bidirectional : new boolean[] {false, true}) {
          for (boolean batchFirst : new boolean[] {false, true}) {
            RnnConfig shape =
                RnnConfig.builder(mode, 4, 6)
                    .numLayers(2)
                    .bias(bias)
                    .bidirectional(bidirectional)
                    .batchFirst(batchFirst)
                    .build();
            tests.add(dynamicTest(shape.toString(), () -> compareBoth(shape, null)));
          }
        }
      }
    }
    RnnConfig projected = RnnConfig.lstm(4, 6).numLayers(2).projSize(3).bidirectional(true).build();
    tests.add(dynamicTest(projected.toString(), () -> compareBoth(projected, null)));
    RnnConfig gru = RnnConfig.gru(4, 6).batchFirst(true).build();
    tests.add(dynamicTest(gru + " lengths [5, 2, 4]", () -> compareBoth(gru, new int[] {5, 2, 4})));
    return tests.stream();
  }

  @Test
  void freedBlocksAreReusedAndPlansBuiltOncePerShape() {
    BackendStats before = gpu.stats();
    Storage a = gpu.allocate(DType.FLOAT32, 1000);
    a.close();
    Storage b = gpu.allocate(DType.FLOAT32, 1000);
    b.close();
    BackendStats after = gpu.stats().since(before);
    assertEquals(1, after.cacheHits(), "the second block of the class comes from the cache");
    RnnConfig shape = RnnConfig.lstm(4, 6).build();
    try (RnnKernel kernel = gpu.createRnnKernel(shape, DType.FLOAT32);
        Storage input = gpu.allocate(DType.FLOAT32, (long) STEPS * BATCH * 4)) {
      long plans = gpu.stats().planBuilds();
      for (int i = 0; i < 3; i++) {
        close(kernel.forward(new ForwardArgs(input, STEPS, BATCH, null, null, null, false, 0, 0)));
      }
      assertEquals(1, gpu.stats().planBuilds() - plans, "one plan for three passes of one shape");
    }
    gpu.emptyCache();
    assertEquals(0, gpu.stats().cachedBytes(), "emptyCache returns every cached block");
  }

  @Test
  void dropoutMasksFollowTheirSeeds() {
    RnnConfig shape = RnnConfig.lstm(4, 6).numLayers(3).dropout(0.5).build();
    try (RnnKernel kernel = gpu.createRnnKernel(shape, DType.FLOAT32)) {
      SplittableRandom random = new SplittableRandom(3);
      for (Storage p : kernel.parameters()) {
        gpu.upload(host(DType.FLOAT32, random, (int) p.numel()), p);
      }
      try (Storage input = gpu.upload(host(DType.FLOAT32, random, STEPS * BATCH * 4))) {
        double[] first = outputOf(kernel, input, 1);
        double[] other = outputOf(kernel, input, 2);
        double[] again = outputOf(kernel, input, 1);
        assertArrayEquals(first, again, "seed 1, after seed 2: the masks of seed 1 again");
        if (Arrays.equals(first, other)) {
          fail("seeds 1 and 2 gave the same masks");
        }
        // Within a seeding the state carries over: the next pass draws new masks, and a run that
        // reseeds and makes the same passes (a resumed epoch) draws the same ones.
        double[] next = outputOf(kernel, input, 1, 1);
        if (Arrays.equals(again, next)) {
          fail("two passes of one seeding gave the same masks");
        }
        outputOf(kernel, input, 2, 0);
        assertArrayEquals(first, outputOf(kernel, input, 1, 0), "reseeded: the first pass's masks");
        assertArrayEquals(next, outputOf(kernel, input, 1, 1), "reseeded: the second pass's masks");
        outputOf(kernel, input, 2, 0);
        double[] jumped = outputOf(kernel, input, 1, 1);
        outputOf(kernel, input, 2, 0);
        assertArrayEquals(
            jumped,
            outputOf(kernel, input, 1, 1),
            "a pass that does not follow its predecessor seeds from its own mixed seed, each time");
      }
    }
  }

  private static double[] outputOf(RnnKernel kernel, Storage input, long seed) {
    return outputOf(kernel, input, seed, 0);
  }

  private static double[] outputOf(RnnKernel kernel, Storage input, long seed, long offset) {
    try (Tape tape =
        kernel.forwardForBackward(
            new ForwardArgs(input, STEPS, BATCH, null, null, null, true, seed, offset))) {
      return read(gpu, tape.result().output());
    }
  }

  private static void compareBoth(RnnShape shape, int[] lengths) {
    compare(shape, lengths, DType.FLOAT64, FP64_ATOL);
    compare(shape, lengths, DType.FLOAT32, FP32_ATOL);
  }

  private static void compare(RnnShape shape, int[] lengths, DType dtype, double atol) {
    String what = shape + " " + dtype;
    SplittableRandom random = new SplittableRandom(shape.toString().hashCode());
    try (RnnKernel c = cpu.createRnnKernel(shape, dtype);
        RnnKernel g = gpu.createRnnKernel(shape, dtype)) {
      for (int i = 0; i < c.parameters().size(); i++) {
        HostStorage values = host(dtype, random, (int) c.parameters().get(i).numel());
        cpu.upload(values, c.parameters().get(i));
        gpu.upload(values, g.parameters().get(i));
        assertClose(
            what + " parameter " + i + " read back",
            toDoubles(values),
            read(gpu, g.parameters().get(i)),
            0);
      }
      int d = shape.numDirections();
      int states = shape.numLayers() * d;
      HostStorage x = host(dtype, random, STEPS * BATCH * shape.inputSize());
      HostStorage h0 = host(dtype, random, states * BATCH * shape.outputSize());
      HostStorage c0 =
          shape.mode() == RnnMode.LSTM
              ? host(dtype, random, states * BATCH * shape.hiddenSize())
              : null;
      HostStorage dOut = host(dtype, random, STEPS * BATCH * d * shape.outputSize());
      HostStorage dhN = host(dtype, random, states * BATCH * shape.outputSize());
      List<double[]> cpuResults = run(cpu, c, x, h0, c0, dOut, dhN, lengths);
      List<double[]> gpuResults = run(gpu, g, x, h0, c0, dOut, dhN, lengths);
      for (int i = 0; i < cpuResults.size(); i++) {
        assertClose(what + " result " + i, cpuResults.get(i), gpuResults.get(i), atol);
      }
    }
  }

  /**
   * Forward, then two training passes with backward; returns the forward's results, the second
   * backward's input and state gradients, and every parameter gradient (both passes' sum).
   */
  private static List<double[]> run(
      Backend backend,
      RnnKernel kernel,
      HostStorage x,
      HostStorage h0,
      HostStorage c0,
      HostStorage dOut,
      HostStorage dhN,
      int[] lengths) {
    List<double[]> out = new ArrayList<>();
    List<Storage> inputs = new ArrayList<>();
    try {
      Storage input = track(inputs, backend.upload(x));
      Storage h = track(inputs, backend.upload(h0));
      Storage cell = c0 == null ? null : track(inputs, backend.upload(c0));
      Storage gradOut = track(inputs, backend.upload(dOut));
      Storage gradH = track(inputs, backend.upload(dhN));
      ForwardArgs args = new ForwardArgs(input, STEPS, BATCH, h, cell, lengths, false, 0, 0);
      ForwardResult r = kernel.forward(args);
      out.add(read(backend, r.output()));
      out.add(read(backend, r.hN()));
      if (r.cN() != null) {
        out.add(read(backend, r.cN()));
      }
      close(r);
      for (int pass = 0; pass < 2; pass++) {
        try (Tape tape = kernel.forwardForBackward(args)) {
          BackwardResult b = tape.backward(gradOut, gradH, null);
          if (pass == 1) {
            out.add(read(backend, b.gradInput()));
            out.add(read(backend, b.gradH0()));
            if (b.gradC0() != null) {
              out.add(read(backend, b.gradC0()));
            }
          }
          b.gradInput().close();
          b.gradH0().close();
          if (b.gradC0() != null) {
            b.gradC0().close();
          }
        }
      }
      for (Storage grad : kernel.gradients()) {
        out.add(read(backend, grad));
      }
      return out;
    } finally {
      inputs.forEach(Storage::close);
    }
  }

  private static Storage track(List<Storage> list, Storage s) {
    list.add(s);
    return s;
  }

  private static void close(ForwardResult r) {
    r.output().close();
    r.hN().close();
    if (r.cN() != null) {
      r.cN().close();
    }
  }

  private static HostStorage host(DType dtype, SplittableRandom random, int n) {
    double[] values = new double[n];
    for (int i = 0; i < n; i++) {
      values[i] = 0.6 * random.nextDouble() - 0.3;
    }
    if (dtype == DType.FLOAT64) {
      return HostStorage.of(values);
    }
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = (float) values[i];
    }
    return HostStorage.of(f);
  }

  private static double[] read(Backend backend, Storage s) {
    HostStorage h = HostStorage.zeros(s.dtype(), (int) s.numel());
    backend.download(s, h);
    return toDoubles(h);
  }

  private static double[] toDoubles(HostStorage h) {
    double[] d = new double[(int) h.numel()];
    for (int i = 0; i < d.length; i++) {
      d[i] = h.get(i);
    }
    return d;
  }

  /**
   * Within {@code atol} everywhere; otherwise the first index, both values and the largest
   * difference.
   */
  private static void assertClose(String what, double[] expected, double[] actual, double atol) {
    assertEquals(expected.length, actual.length, what + ": length");
    int first = -1;
    double max = 0;
    for (int i = 0; i < expected.length; i++) {
      double diff = Math.abs(expected[i] - actual[i]);
      if (!(diff <= atol)) {
        first = first < 0 ? i : first;
        max = Double.isNaN(diff) ? Double.NaN : Math.max(max, diff);
      }
    }
    if (first >= 0) {
      fail(
          String.format(
              "%s: first difference beyond %.1g at index %d: cpu %s, cuda %s; max |diff| %s",
              what, atol, first, expected[first], actual[first], max));
    }
  }
}
