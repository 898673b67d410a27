package dev.rnn4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.HostStorage;
import dev.rnn4j.backend.RnnKernel;
import dev.rnn4j.backend.RnnKernel.BackwardResult;
import dev.rnn4j.backend.RnnKernel.ForwardArgs;
import dev.rnn4j.backend.Storage;
import dev.rnn4j.nn.RnnConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The CPU backend's scratch pool, and RNN calls whose buffers come from it. */
class ArrayPoolTest {
  private static final int N = ArrayPool.MIN_LENGTH;

  private static ArrayPool<float[]> pool() {
    return new ArrayPool<>(float[]::new, a -> a.length, a -> Arrays.fill(a, 0f), Float.BYTES);
  }

  @Test
  void givesTheSameArrayBackByLengthZeroedWhenAsked() {
    ArrayPool<float[]> pool = pool();
    float[] a = pool.take(N, true);
    Arrays.fill(a, 3f);
    pool.give(a);
    assertEquals(4L * N, pool.idleBytes());
    assertNotSame(a, pool.take(N + 1, true), "another length is another array");
    float[] again = pool.take(N, false);
    assertSame(a, again);
    assertEquals(3f, again[N - 1], "not zeroed when not asked");
    pool.give(again);
    assertSame(a, pool.take(N, true));
    assertArrayEquals(new float[N], a, "zeroed when asked");
    assertEquals(2, pool.hits());
    assertEquals(0, pool.idleBytes());
  }

  @Test
  void sharesArraysWithinASizeClass() {
    assertEquals(N, ArrayPool.sizeClass(N));
    assertEquals(4608, ArrayPool.sizeClass(N + 1));
    assertEquals(5120, ArrayPool.sizeClass(4700));
    assertEquals(8192, ArrayPool.sizeClass(8000));
    assertEquals(9216, ArrayPool.sizeClass(8193));
    assertEquals(N - 1, ArrayPool.sizeClass(N - 1));
    assertEquals(Integer.MAX_VALUE, ArrayPool.sizeClass(Integer.MAX_VALUE));
    ArrayPool<float[]> pool = pool();
    float[] a = pool.take(5000, true);
    assertEquals(5120, a.length);
    pool.give(a);
    assertSame(a, pool.take(4700, true), "4,700 and 5,000 elements share the class of 5,120");
  }

  @Test
  void keepsNoShortArraysAndForgetsOnClear() {
    ArrayPool<float[]> pool = pool();
    float[] small = pool.take(N - 1, true);
    pool.give(small);
    assertEquals(0, pool.idleBytes(), "short arrays are left to the allocation buffers");
    assertNotSame(small, pool.take(N - 1, true));
    float[] a = pool.take(N, true);
    pool.give(a);
    pool.clear();
    assertEquals(0, pool.idleBytes());
    assertNotSame(a, pool.take(N, true));
    assertEquals(0, pool.hits());
  }

  /**
   * A training pass gives the same bits whether its buffers are new or were used before by passes
   * of other lengths (whose padded rows must not leak into it), and its second run takes them from
   * the pool.
   */
  @Test
  void reusedBuffersChangeNoBit() {
    RnnConfig config =
        RnnConfig.lstm(100, 96)
            .numLayers(2)
            .bidirectional(true)
            .batchFirst(true)
            .dropout(0.25)
            .build();
    // Sizes at which every buffer of a block of 4 sequences is long enough to be pooled.
    int steps = 12;
    int batch = 8;
    int[] lengths = {12, 3, 7, 1, 12, 5, 9, 2};
    CpuBackend backend = CpuBackend.withThreads(2);
    FloatMath fresh = new FloatMath(FloatMath.VECTOR_API_PRESENT);
    List<float[]> first = pass(config, backend, fresh, steps, batch, lengths);
    FloatMath used = new FloatMath(FloatMath.VECTOR_API_PRESENT);
    pass(config, backend, used, steps, batch, null);
    pass(config, backend, used, steps, batch, new int[] {2, 12, 12, 4, 6, 8, 11, 12});
    long hits = used.pool().hits();
    assertTrue(hits > 0, "the second pass takes buffers from the pool");
    List<float[]> again = pass(config, backend, used, steps, batch, lengths);
    assertTrue(used.pool().hits() > hits);
    for (int i = 0; i < first.size(); i++) {
      assertArrayEquals(first.get(i), again.get(i), "result " + i + ", bit for bit");
    }
  }

  @Test
  void theBackendCountsAndEmptiesItsPool() {
    // A thread count no other test uses: a backend of its own.
    CpuBackend backend = CpuBackend.withThreads(3);
    int steps = 50;
    int batch = 4;
    HostStorage input = normal(new SplittableRandom(1), steps * batch * 16);
    try (RnnKernel kernel = backend.createRnnKernel(RnnConfig.gru(16, 32).build(), DType.FLOAT32)) {
      ForwardArgs args = new ForwardArgs(input, steps, batch, null, null, null, false, 0, 0);
      kernel.forward(args);
      long cached = backend.stats().cachedBytes();
      assertTrue(cached > 0, "the pass's scratch arrays wait in the pool");
      long hits = backend.stats().cacheHits();
      kernel.forward(args);
      assertTrue(backend.stats().cacheHits() > hits, "the next pass takes them");
      assertEquals(cached, backend.stats().cachedBytes());
      backend.emptyCache();
      assertEquals(0, backend.stats().cachedBytes());
    }
  }

  /** Output, h_n, c_n, the input's gradient and every parameter's gradient of one pass. */
  private static List<float[]> pass(
      RnnConfig config, CpuBackend backend, FloatMath math, int steps, int batch, int[] lengths) {
    SplittableRandom random = new SplittableRandom(7);
    try (RnnKernel kernel =
        new CpuRnnKernel<>(config, DType.FLOAT32, math, new Parallel(2), backend)) {
      for (Storage p : kernel.parameters()) {
        float[] data = ((HostStorage) p).floats();
        for (int i = 0; i < data.length; i++) {
          data[i] = (float) random.nextGaussian() * 0.3f;
        }
      }
      HostStorage input = normal(random, steps * batch * config.inputSize());
      HostStorage gradOutput = normal(random, steps * batch * 2 * config.hiddenSize());
      List<float[]> results = new ArrayList<>();
      RnnKernel.Tape tape =
          kernel.forwardForBackward(
              new ForwardArgs(input, steps, batch, null, null, lengths, true, 11, 0));
      BackwardResult g = tape.backward(gradOutput, null, null);
      results.add(((HostStorage) tape.result().output()).floats().clone());
      results.add(((HostStorage) tape.result().hN()).floats().clone());
      results.add(((HostStorage) tape.result().cN()).floats().clone());
      results.add(((HostStorage) g.gradInput()).floats().clone());
      tape.close();
      assertThrows(IllegalStateException.class, () -> tape.backward(gradOutput, null, null));
      for (Storage s : kernel.gradients()) {
        results.add(((HostStorage) s).floats().clone());
      }
      return results;
    }
  }

  private static HostStorage normal(SplittableRandom random, int n) {
    float[] data = new float[n];
    for (int i = 0; i < n; i++) {
      data[i] = (float) random.nextGaussian();
    }
    return HostStorage.of(data);
  }
}
