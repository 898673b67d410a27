package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.BackendStats;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.Device;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.nn.SequenceModelConfig;
import dev.rnn4j.spec.RnnMode;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.RandomData;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MemoryEstimate} against what is really allocated: the parameter count of real models, the
 * CPU backend's counters, and the heap a training step's tape retains; and its refusals.
 */
class MemoryEstimateTest {
  private static final Device GPU = Device.cuda(0);

  @TempDir Path tmp;

  @Test
  void parametersAreTheModelsParameterCount() {
    List<SequenceModelConfig> configs =
        List.of(
            SequenceModelConfig.manyToOne(
                RnnConfig.lstm(3, 8)
                    .numLayers(2)
                    .bidirectional(true)
                    .projSize(5)
                    .batchFirst(true)
                    .build(),
                2),
            SequenceModelConfig.manyToMany(RnnConfig.gru(4, 6).numLayers(3).build(), 3),
            SequenceModelConfig.manyToOne(
                RnnConfig.builder(RnnMode.RNN_RELU, 2, 7).bias(false).bidirectional(true).build(),
                1));
    for (SequenceModelConfig config : configs) {
      long count;
      try (SequenceModel model = SequenceModel.create(config, 1)) {
        count = model.parameterCount();
      }
      // On a GPU no kernel copy is added: parameters and gradients are the model's own, exactly.
      MemoryEstimate e =
          MemoryEstimate.training(config, OptimizerConfig.adam(1e-3), DType.FLOAT32, 4, 5, 10, GPU);
      assertEquals(4 * count, e.bytes(MemoryEstimate.Part.PARAMETERS), config.toString());
      assertEquals(4 * count, e.bytes(MemoryEstimate.Part.GRADIENTS), config.toString());
      assertEquals(
          8 * count,
          MemoryEstimate.training(config, OptimizerConfig.adam(1e-3), DType.FLOAT64, 4, 5, 10, GPU)
              .bytes(MemoryEstimate.Part.PARAMETERS));
    }
  }

  @Test
  void optimizerStateIsPyTorchsBuffersPerParameter() {
    SequenceModelConfig config =
        SequenceModelConfig.manyToOne(RnnConfig.lstm(1, 4).batchFirst(true).build(), 1);
    long p =
        MemoryEstimate.training(config, OptimizerConfig.sgd(0.1), DType.FLOAT32, 1, 1, 1, GPU)
            .bytes(MemoryEstimate.Part.PARAMETERS);
    assertEquals(0, state(config, OptimizerConfig.sgd(0.1)));
    assertEquals(p, state(config, OptimizerConfig.sgd(0.1).withMomentum(0.9)));
    assertEquals(2 * p, state(config, OptimizerConfig.adam(0.1)));
    assertEquals(2 * p, state(config, OptimizerConfig.adamw(0.1)));
    assertEquals(3 * p, state(config, OptimizerConfig.adam(0.1).withAmsgrad(true)));
  }

  private static long state(SequenceModelConfig config, OptimizerConfig optimizer) {
    return MemoryEstimate.training(config, optimizer, DType.FLOAT32, 1, 1, 1, GPU)
        .bytes(MemoryEstimate.Part.OPTIMIZER_STATE);
  }

  /**
   * What the CPU backend's counters see (its storages: parameters, gradients, Adam's state, the
   * training set) after a step: the estimate's parts for those, without the kernel's own arrays
   * that the counters leave out, lie between 1 and 2 times the live bytes.
   */
  @Test
  void withinTwiceWhatTheCpuBackendsCountersReport() {
    SequenceModelConfig config =
        SequenceModelConfig.manyToOne(
            RnnConfig.lstm(3, 48).numLayers(2).bidirectional(true).batchFirst(true).build(), 2);
    Backend backend = Backends.cpu();
    BackendStats before = backend.stats();
    try (SequenceModel model = SequenceModel.create(config, 3);
        Optimizer optimizer = OptimizerConfig.adam(1e-3).create(model.parameters());
        TrainingSet data = RandomData.regression(5, 64, 30, 3, 2)) {
      Trainer.trainEpoch(model, optimizer, data, 64, 1, 1, 1.0, null);
      long live = backend.stats().liveBytes() - before.liveBytes();
      MemoryEstimate e =
          MemoryEstimate.training(
              config, OptimizerConfig.adam(1e-3), DType.FLOAT32, 64, 30, 64, GPU);
      long counted =
          e.bytes(MemoryEstimate.Part.PARAMETERS)
              + e.bytes(MemoryEstimate.Part.GRADIENTS)
              + e.bytes(MemoryEstimate.Part.OPTIMIZER_STATE)
              + e.bytes(MemoryEstimate.Part.DATA);
      assertTrue(
          counted >= live && counted <= 2 * live,
          "estimate " + counted + " bytes, live " + live + " bytes: " + e);
    }
  }

  /**
   * The heap a training step holds with its tape open (model, packed weights, gradients, Adam's
   * state, the data, the tape): the whole estimate, which adds backward's buffers, is at least that
   * and at most twice it.
   */
  @Test
  void withinTwiceTheHeapAStepsTapeRetains() {
    int n = 32;
    int steps = 100;
    SequenceModelConfig config =
        SequenceModelConfig.manyToOne(
            RnnConfig.lstm(4, 128).numLayers(2).batchFirst(true).build(), 1);
    long before = usedHeap();
    long retained;
    try (SequenceModel model = SequenceModel.create(config, 3);
        Optimizer optimizer = OptimizerConfig.adam(1e-3).create(model.parameters());
        TrainingSet data = RandomData.regression(5, n, steps, 4, 1)) {
      optimizer.step(); // with zero gradients: Adam's state exists after its first step
      Tensor input = RandomData.normal(new SplittableRandom(2), n, steps, 4);
      try (SequenceModel.SequenceTape tape = model.forwardForBackward(input, null)) {
        retained = usedHeap() - before - 4L * n * steps * 4; // less the input made here
        assertTrue(tape.prediction().numel() == n);
      }
    }
    MemoryEstimate e =
        MemoryEstimate.training(
            config, OptimizerConfig.adam(1e-3), DType.FLOAT32, n, steps, n, Device.CPU);
    assertTrue(
        e.totalBytes() >= retained && e.totalBytes() <= 2 * retained,
        "estimate " + e + ", retained " + MemoryEstimate.size(retained));
  }

  private static long usedHeap() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }

  @Test
  void aModelLargerThanTheHeapIsRefusedWithTheNeedAndWhatToLower() {
    SequenceModelConfig config =
        SequenceModelConfig.manyToOne(
            RnnConfig.lstm(1, 20_000).numLayers(2).batchFirst(true).build(), 6);
    MemoryEstimate e =
        MemoryEstimate.training(
            config, OptimizerConfig.adam(1e-3), DType.FLOAT32, 32, 24, 500, Device.CPU);
    // LSTM(1, 20000, 2 layers): 4.8e9 parameters, 19.2 GB of float32 each for weights and
    // gradients.
    assertTrue(e.bytes(MemoryEstimate.Part.PARAMETERS) > 19e9, e.toString());
    IllegalArgumentException x =
        assertThrows(IllegalArgumentException.class, () -> e.checkFits(Backends.cpu()));
    String m = x.getMessage();
    assertTrue(m.startsWith("not enough memory for training: it needs about "), m);
    assertTrue(m.contains(" on the JVM heap (parameters "), m);
    assertTrue(m.contains(" is available (max heap "), m);
    assertTrue(
        m.endsWith("; lower hidden_size or num_layers, or give the JVM more heap (-Xmx)"), m);
    assertFalse(m.contains("\n"), m);
  }

  @Test
  void aBufferBeyondAJavaArrayIsRefusedByName() {
    RnnConfig rnn = RnnConfig.lstm(1, 30_000).build();
    MemoryEstimate e = MemoryEstimate.pass(rnn, DType.FLOAT32, 1, 1, false, Device.CPU);
    IllegalArgumentException x =
        assertThrows(IllegalArgumentException.class, () -> e.checkFits(Backends.cpu()));
    assertEquals(
        "not enough memory for the forward pass: a recurrent weight (120000 x 30000) would hold"
            + " 3600000000 elements, more than the 2147483647 a tensor holds; lower hidden_size or"
            + " num_layers",
        x.getMessage());
  }

  @Test
  void aSmallRunFits() {
    TrainingConfig defaults = TrainingConfig.defaults();
    MemoryEstimate.training(
            defaults.model(), defaults.optimizer(), DType.FLOAT32, 32, 24, 500, Device.CPU)
        .checkFits(Backends.cpu());
    RnnConfig rnn = RnnConfig.gru(10, 20).numLayers(2).build();
    MemoryEstimate.pass(rnn, DType.FLOAT64, 3, 5, true, Device.CPU).checkFits(Backends.cpu());
  }

  /** A GPU's own limit, where its backend reports one, with the caller's advice. */
  @Test
  void aDeviceThatReportsItsFreeMemoryIsCheckedAgainstIt() {
    Backend gpu = fakeGpu(1L << 30);
    SequenceModelConfig config =
        SequenceModelConfig.manyToOne(RnnConfig.lstm(1, 64).batchFirst(true).build(), 1);
    MemoryEstimate.training(config, OptimizerConfig.adam(1e-3), DType.FLOAT32, 32, 24, 500, GPU)
        .checkFits(gpu);
    MemoryEstimate big =
        MemoryEstimate.training(
            config, OptimizerConfig.adam(1e-3), DType.FLOAT32, 1024, 2000, 1024, GPU);
    IllegalArgumentException x =
        assertThrows(
            IllegalArgumentException.class,
            () -> big.checkFits(gpu, part -> "lower --" + part.name().toLowerCase()));
    String m = x.getMessage();
    assertTrue(m.startsWith("not enough memory for training: it needs about "), m);
    assertTrue(m.contains(" on cuda:0 (parameters "), m);
    assertTrue(
        m.contains(
            "but 1.00 GiB is free there; lower --activations, or free memory on the" + " device"),
        m);
  }

  /** A backend on cuda:0 whose only answers are its device and its free memory. */
  private static Backend fakeGpu(long free) {
    return (Backend)
        Proxy.newProxyInstance(
            Backend.class.getClassLoader(),
            new Class<?>[] {Backend.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "device" -> GPU;
                  case "memoryAvailable" -> OptionalLong.of(free);
                  default -> throw new UnsupportedOperationException(method.getName());
                });
  }

  /** The library's own loop refuses before it allocates the model or writes anything. */
  @Test
  void trainerRefusesBeforeAllocating() {
    TrainingConfig config =
        TrainingConfig.forData(
            DataConfig.defaults(), RnnConfig.lstm(1, 20_000).numLayers(2).batchFirst(true).build());
    Path checkpoint = tmp.resolve("checkpoint.safetensors");
    long start = System.nanoTime();
    IllegalArgumentException x =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Trainer.train(
                    config,
                    null,
                    checkpoint,
                    Backends.cpu(),
                    new Trainer.Listener() {
                      @Override
                      public void onStep(int epoch, int step, int steps, double runningLoss) {}

                      @Override
                      public void onEpoch(EpochStats stats) {}
                    }));
    assertTrue(x.getMessage().startsWith("not enough memory for training"), x.getMessage());
    assertFalse(Files.exists(checkpoint));
    assertTrue(System.nanoTime() - start < 30_000_000_000L, "refused within 30 s");
  }

  @Test
  void sizesReadAsPyTorchsAllocatorWritesThem() {
    assertEquals("512.00 KiB", MemoryEstimate.size(512 * 1024));
    assertEquals("1.50 MiB", MemoryEstimate.size(1.5 * 1024 * 1024));
    assertEquals("18.63 GiB", MemoryEstimate.size(20e9));
  }
}
