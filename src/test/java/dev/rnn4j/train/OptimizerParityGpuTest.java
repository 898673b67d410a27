package dev.rnn4j.train;

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.rnn4j.backend.Device;
import dev.rnn4j.testing.GpuTest;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * {@link OptimizerParityTest} with the parameters, gradients and optimizer state on CUDA device 0:
 * the {@code sgd_step} and {@code adam_step} kernels follow torch.optim's trajectories as the CPU
 * does (the same tolerances, and bit for bit where the fixtures' PyTorch release is the one the
 * arithmetic mirrors), and a resumed run continues bit for bit.
 */
@GpuTest
class OptimizerParityGpuTest {
  private static final Device GPU = Device.cuda(0);

  @TestFactory
  Stream<DynamicTest> trajectoriesMatchPyTorchOnTheGpu() {
    return OptimFixtures.cases("optimizer").stream()
        .map(c -> dynamicTest(c.id(), () -> OptimizerParityTest.check(c, GPU)));
  }

  @TestFactory
  Stream<DynamicTest> resumingOnTheGpuContinuesBitForBit() {
    return OptimFixtures.cases("optimizer").stream()
        .map(c -> dynamicTest(c.id(), () -> OptimizerParityTest.checkResume(c, 2, GPU)));
  }
}
