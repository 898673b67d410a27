package dev.rnn4j.backend.cpu;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's float32 multiply-add peak per core as the Vector API reaches it: twelve independent
 * accumulators in registers, no memory in the loop, the preferred vector width. The yardstick for
 * the products' GFLOP/s (a product's tile cannot beat it). Run one copy per core at once to see
 * whether the cores share a budget.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp target/test-classes dev.rnn4j.backend.cpu.FmaPeak
 * </pre>
 */
public final class FmaPeak {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

  private FmaPeak() {}

  public static void main(String[] args) {
    // Ones keep the sums far from subnormals, which would run at a fraction of the speed.
    float[] ones = new float[SPECIES.length()];
    Arrays.fill(ones, 1f);
    // Thousands of short calls first, so that C2 compiles the method itself, not only its loop.
    for (int i = 0; i < 20_000; i++) {
      run(100, ones);
    }
    int steps = 20_000_000;
    for (int round = 0; round < 8; round++) {
      long t0 = System.nanoTime();
      float sum = run(steps, ones);
      double flop = 12.0 * 2 * SPECIES.length() * steps;
      System.out.printf(
          "%.1f GFLOP/s (%d-bit vectors; sum %s)%n",
          flop / (System.nanoTime() - t0), SPECIES.vectorBitSize(), sum);
    }
  }

  private static float run(int steps, float[] ones) {
    FloatVector a = FloatVector.fromArray(SPECIES, ones, 0);
    FloatVector b = FloatVector.broadcast(SPECIES, 0.5f);
    FloatVector x0 = a;
    FloatVector x1 = a;
    FloatVector x2 = a;
    FloatVector x3 = a;
    FloatVector x4 = a;
    FloatVector x5 = a;
    FloatVector x6 = a;
    FloatVector x7 = a;
    FloatVector x8 = a;
    FloatVector x9 = a;
    FloatVector x10 = a;
    FloatVector x11 = a;
    for (int i = 0; i < steps; i++) {
      x0 = x0.fma(b, a);
      x1 = x1.fma(b, a);
      x2 = x2.fma(b, a);
      x3 = x3.fma(b, a);
      x4 = x4.fma(b, a);
      x5 = x5.fma(b, a);
      x6 = x6.fma(b, a);
      x7 = x7.fma(b, a);
      x8 = x8.fma(b, a);
      x9 = x9.fma(b, a);
      x10 = x10.fma(b, a);
      x11 = x11.fma(b, a);
    }
    return x0.add(x1)
        .add(x2)
        .add(x3)
        .add(x4)
        .add(x5)
        .add(x6)
        .add(x7)
        .add(x8)
        .add(x9)
        .add(x10)
        .add(x11)
        .reduceLanes(VectorOperators.ADD);
  }
}
