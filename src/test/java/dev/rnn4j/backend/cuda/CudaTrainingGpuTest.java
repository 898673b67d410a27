package dev.rnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.testing.GpuTest;
import dev.rnn4j.train.EpochStats;
import dev.rnn4j.train.Trainer;
import dev.rnn4j.train.TrainingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default forecaster trained on the GPU (every step on the device, strict FP32) ends within
 * 1e-6 of the CPU's validation loss after the same 30 epochs on the same batches. The numbers go to
 * {@code -Drnn4j.gpu.training-report=FILE} for docs/gpu-results.md.
 */
@GpuTest
class CudaTrainingGpuTest {
  @Test
  void theDefaultForecasterEndsWhereTheCpuRunEnds(@TempDir Path dir) throws IOException {
    TrainingConfig config = TrainingConfig.defaults();
    long t0 = System.nanoTime();
    List<EpochStats> cpu = run(config, dir.resolve("cpu.safetensors"), Backends.cpu());
    long t1 = System.nanoTime();
    CudaBackend gpu = CudaBackend.open(0, MathMode.STRICT_FP32);
    List<EpochStats> cuda = run(config, dir.resolve("gpu.safetensors"), gpu);
    long t2 = System.nanoTime();
    List<EpochStats> tf32 =
        run(config, dir.resolve("tf32.safetensors"), gpu.withMathMode(MathMode.TF32_ALLOWED));
    EpochStats a = cpu.get(cpu.size() - 1);
    EpochStats b = cuda.get(cuda.size() - 1);
    EpochStats c = tf32.get(tf32.size() - 1);
    double diff = Math.abs(a.validationLoss() - b.validationLoss());
    String file = System.getProperty("rnn4j.gpu.training-report");
    if (file != null) {
      Path p = Paths.get(file);
      Files.createDirectories(p.toAbsolutePath().getParent());
      Files.write(
          p,
          List.of(
              "| run | epochs | final train loss | final validation loss | validation RMSE | wall time |",
              "|---|---|---|---|---|---|",
              row("CPU (float32)", a, t1 - t0),
              row("GPU, strict FP32", b, t2 - t1),
              row("GPU, TF32 allowed", c, System.nanoTime() - t2),
              "",
              String.format("|CPU - GPU strict FP32| validation loss = %.3g (bar 1e-6)", diff)));
    }
    assertEquals(config.epochs(), cuda.size());
    // Issue 24's bar for strict FP32; H200 run 9 saw 2.1e-10 on the previous device path.
    assertTrue(
        diff <= 1e-6,
        String.format(
            "validation loss: CPU %.8f, GPU %.8f, difference %.3g > 1e-6",
            a.validationLoss(), b.validationLoss(), diff));
    assertEquals(0, CudaBackend.liveAllocations(), "device buffers still allocated after training");
  }

  /** Trains, then closes the model (and so its kernel's device memory); returns the history. */
  private static List<EpochStats> run(TrainingConfig config, Path checkpoint, Backend backend)
      throws IOException {
    Trainer.Result r = Trainer.train(config, null, checkpoint, backend, Trainer.Listener.SILENT);
    r.forecaster().model().close();
    return r.history();
  }

  private static String row(String run, EpochStats s, long nanos) {
    return String.format(
        "| %s | %d | %.6f | %.6f | %.4f | %.1f s |",
        run, s.epoch(), s.trainLoss(), s.validationLoss(), s.validationRmse(), nanos / 1e9);
  }
}
