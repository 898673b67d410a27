package dev.rnn4j.train;

import dev.rnn4j.backend.cuda.CudaBackend;
import dev.rnn4j.backend.cuda.MathMode;
import dev.rnn4j.testing.GpuTest;
import java.io.IOException;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * {@link LossTrajectoryTest} on CUDA device 0 in strict FP32: the public training calls on the GPU
 * follow PyTorch's own loop step by step, within the manifest's tolerances (the CPU's tighter bars
 * were measured on the CPU only).
 */
@GpuTest
class LossTrajectoryGpuTest {
  @TestFactory
  Stream<DynamicTest> everyStepsLossFollowsPyTorchOnTheGpu() throws IOException {
    return LossTrajectoryTest.cases(CudaBackend.open(0, MathMode.STRICT_FP32));
  }
}
