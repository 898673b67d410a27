package dev.rnn4j.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rnn4j.backend.BackendStats;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.Device;
import dev.rnn4j.nn.Parameter;
import dev.rnn4j.nn.Rnn;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.RnnOutput;
import dev.rnn4j.nn.RnnState;
import dev.rnn4j.nn.RnnTape;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.nn.SequenceModelConfig;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.TensorScope;
import dev.rnn4j.testing.RandomData;
import dev.rnn4j.testing.SimulatedDevice;
import dev.rnn4j.testing.TensorAssert;
import dev.rnn4j.train.CrossEntropyLoss;
import dev.rnn4j.train.EpochStats;
import dev.rnn4j.train.GradClipping;
import dev.rnn4j.train.LossResult;
import dev.rnn4j.train.Optimizer;
import dev.rnn4j.train.OptimizerConfig;
import dev.rnn4j.train.Trainer;
import dev.rnn4j.train.TrainingConfig;
import dev.rnn4j.train.TrainingSet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The device path without a GPU: modules, tapes, losses, optimizers and the trainer on {@link
 * SimulatedDevice}, a backend whose memory only it can read and which computes with the CPU's
 * operations. So every number must equal the CPU's, every copy between host and device must be one
 * the API promises, and every block must come back when its owner closes.
 *
 * <p>"Equal" is within {@link #ATOL} and {@link #RTOL}, not bit for bit, only because the CPU
 * backend's float32 results still move in their last bits while the JIT warms up (the
 * CPU-determinism issue: up to 7e-7 seen on a 12-epoch checkpoint; the bars sit 10x above that).
 */
class SimulatedDeviceTest {
  private static final double ATOL = 7e-6;
  private static final double RTOL = 1e-5;
  private static final SimulatedDevice SIM = SimulatedDevice.get();
  private static final SequenceModelConfig CLASSIFIER =
      SequenceModelConfig.manyToOne(
          RnnConfig.gru(8, 12).numLayers(2).bidirectional(true).batchFirst(true).build(), 5);

  @Test
  void tensorsCrossOnlyWhenCopied() {
    long live = SIM.stats().liveBlocks();
    Tensor host = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    try (Tensor x = host.to(SimulatedDevice.DEVICE)) {
      assertEquals(SimulatedDevice.DEVICE, x.device());
      assertSame(x, x.to(SimulatedDevice.DEVICE));
      IllegalStateException e = assertThrows(IllegalStateException.class, x::toFloatArray);
      assertEquals(
          "can't convert cuda:7 device type tensor to a Java array. Use Tensor.to(Device.CPU) to "
              + "copy the tensor to host memory first.",
          e.getMessage());
      assertEquals(host, x.to(Device.CPU));
      try (Tensor row = x.select(0, 1)) {
        assertEquals(SimulatedDevice.DEVICE, row.device());
        assertArrayEquals(new float[] {4, 5, 6}, row.to(Device.CPU).toFloatArray());
      }
      assertEquals("tensor([[1., 2., 3.],\n        [4., 5., 6.]], device='cuda:7')", x.toString());
    }
    assertEquals(live, SIM.stats().liveBlocks());
  }

  @Test
  void aScopeClosesWhatWasMadeInside() {
    long live = SIM.stats().liveBlocks();
    Tensor kept;
    try (TensorScope scope = TensorScope.open()) {
      Tensor a = Tensor.of(new float[] {1, 2}, 2).to(SimulatedDevice.DEVICE);
      a.add(a);
      kept = scope.detach(a.add(a));
      assertEquals(live + 3, SIM.stats().liveBlocks());
    }
    assertEquals(live + 1, SIM.stats().liveBlocks());
    assertArrayEquals(new float[] {2, 4}, kept.to(Device.CPU).toFloatArray());
    kept.close();
    assertEquals(live, SIM.stats().liveBlocks());
  }

  @Test
  void hostInputToADeviceModuleGivesTheCpusResultsAndBackwardReadsItsCopies() {
    RnnConfig config =
        RnnConfig.lstm(3, 4).numLayers(2).build(); // sequence first, as cuDNN reads it
    SplittableRandom random = new SplittableRandom(2);
    Tensor x = RandomData.normal(random, 5, 2, 3);
    Tensor h0 = RandomData.normal(random, 2, 2, 4);
    Tensor c0 = RandomData.normal(random, 2, 2, 4);
    Tensor dy = RandomData.normal(random, 5, 2, 4);
    long live = SIM.stats().liveBlocks();
    try (Rnn cpu = Rnn.create(config, 3);
        Rnn gpu = Rnn.create(config, 3).to(SIM)) {
      RnnGrads expected = pass(cpu, x, h0, c0, dy);
      RnnGrads actual = pass(gpu, x, h0, c0, dy);
      assertAllClose(
          List.of(expected.output(), expected.hN(), expected.dx(), expected.dh0(), expected.dc0()),
          List.of(actual.output(), actual.hN(), actual.dx(), actual.dh0(), actual.dc0()));
      assertAllClose(
          List.copyOf(expected.grads().asMap().values()),
          List.copyOf(actual.grads().asMap().values()));
    }
    assertEquals(
        live, SIM.stats().liveBlocks(), "the module, its uploads and its tapes are all closed");
  }

  private record RnnGrads(
      Tensor output, Tensor hN, Tensor dx, Tensor dh0, Tensor dc0, StateDict grads) {}

  private static RnnGrads pass(Rnn rnn, Tensor x, Tensor h0, Tensor c0, Tensor dy) {
    try (RnnTape tape = rnn.forwardForBackward(x, RnnState.of(h0, c0), null)) {
      RnnTape.RnnGradients g = tape.backward(dy, null, null);
      RnnOutput out = tape.output();
      assertEquals(Device.CPU, out.output().device(), "host input, host results");
      return new RnnGrads(
          copy(out.output()),
          copy(out.hN()),
          g.input(),
          g.h0().orElseThrow(),
          g.c0().orElseThrow(),
          rnn.grad());
    }
  }

  @Test
  void directionsSplitOnTheDevice() {
    RnnConfig config = RnnConfig.gru(3, 4).bidirectional(true).batchFirst(true).build();
    Tensor x = RandomData.normal(new SplittableRandom(4), 2, 5, 3);
    try (Rnn cpu = Rnn.create(config, 1).eval();
        Rnn gpu = Rnn.create(config, 1).to(SIM).eval();
        Tensor xd = x.to(SimulatedDevice.DEVICE);
        TensorScope scope = TensorScope.open()) {
      RnnOutput expected = cpu.forward(x);
      RnnOutput actual = gpu.forward(xd);
      for (int d = 0; d < 2; d++) {
        Tensor half = actual.outputDirection(d);
        assertEquals(SimulatedDevice.DEVICE, half.device());
        TensorAssert.assertClose(
            expected.outputDirection(d), half.to(Device.CPU), ATOL, RTOL, "output");
        TensorAssert.assertClose(
            expected.hiddenDirection(d),
            actual.hiddenDirection(d).to(Device.CPU),
            ATOL,
            RTOL,
            "h_n");
      }
    }
  }

  @Test
  void theContractsLoopOnTheDeviceEqualsTheCpusBitForBitAndCopiesNothing() {
    List<Tensor> cpu = contractLoop(Device.CPU);
    BackendStats before = SIM.stats();
    List<Tensor> gpu = contractLoop(SimulatedDevice.DEVICE);
    BackendStats after = SIM.stats().since(before);
    assertAllClose(cpu, gpu);
    // The model's parameters once, and one input batch per step: nothing per step besides.
    int parameters = CLASSIFIER.rnn().numLayers() * 2 * 4 + 2;
    assertEquals(parameters + 20, after.uploads());
    // One loss read per 10 steps, and the parameters read back at the end.
    assertEquals(2 + parameters, after.downloads());
    assertEquals(before.liveBlocks(), SIM.stats().liveBlocks());
  }

  /**
   * The contract program's calls for 20 steps on {@code device}; returns the parameters afterwards.
   */
  private static List<Tensor> contractLoop(Device device) {
    SplittableRandom random = new SplittableRandom(1);
    try (SequenceModel model = SequenceModel.create(CLASSIFIER, 7).to(device).train();
        Optimizer optimizer = OptimizerConfig.adam(1e-2).create(model.parameters())) {
      for (int step = 0; step < 20; step++) {
        float[] xs = new float[16 * 20 * 8];
        long[] labels = new long[16];
        int[] lengths = new int[16];
        for (int n = 0; n < 16; n++) {
          labels[n] = random.nextInt(5);
          lengths[n] = 5 + random.nextInt(16);
          for (int t = 0; t < lengths[n]; t++) {
            xs[(n * 20 + t) * 8 + (int) labels[n]] = 1f;
          }
        }
        try (TensorScope scope = TensorScope.open()) {
          Tensor x = Tensor.of(xs, 16, 20, 8).to(device);
          try (SequenceModel.SequenceTape tape = model.forwardForBackward(x, lengths)) {
            LossResult loss = CrossEntropyLoss.compute(tape.prediction(), labels);
            tape.backward(loss.gradient());
            if (step % 10 == 0) {
              loss.value();
            }
          }
          GradClipping.clipGradNorm(model.parameters(), 1.0);
        }
        optimizer.step();
        optimizer.zeroGrad();
      }
      return model.parameters().stream()
          .map(Parameter::data)
          .map(t -> copy(t.to(Device.CPU)))
          .toList();
    }
  }

  @Test
  void theTrainerOnTheDeviceEqualsTheCpuAndReadsLossesOncePerInterval() {
    SequenceModelConfig config =
        SequenceModelConfig.manyToMany(RnnConfig.lstm(3, 6).batchFirst(false).build(), 2);
    SplittableRandom random = new SplittableRandom(9);
    TrainingSet data =
        TrainingSet.regression(
            RandomData.normal(random, 50, 7, 3), null, RandomData.normal(random, 50, 7, 2));
    double[] losses = new double[2];
    List<List<Tensor>> params = new ArrayList<>();
    for (Device device : List.of(Device.CPU, SimulatedDevice.DEVICE)) {
      BackendStats before = SIM.stats();
      try (SequenceModel model = SequenceModel.create(config, 5).to(device).train();
          Optimizer optimizer =
              OptimizerConfig.sgd(0.05).withMomentum(0.9).create(model.parameters());
          TrainingSet onDevice = data.to(device)) {
        BackendStats start = SIM.stats();
        double loss = 0;
        for (int epoch = 1; epoch <= 2; epoch++) {
          loss = Trainer.trainEpoch(model, optimizer, onDevice, 4, 3, epoch, 0.5, null);
        }
        losses[params.size()] = loss;
        if (device.equals(SimulatedDevice.DEVICE)) {
          BackendStats steps = SIM.stats().since(start);
          assertEquals(0, steps.uploads(), "26 steps, nothing uploaded");
          assertEquals(
              4, steps.downloads(), "13 steps an epoch: the losses at steps 10 and 13, twice");
          assertEquals(0, steps.planBuilds());
        }
        params.add(model.parameters().stream().map(p -> copy(p.data().to(Device.CPU))).toList());
      }
      assertEquals(before.liveBlocks(), SIM.stats().liveBlocks());
    }
    assertEquals(losses[0], losses[1], RTOL * losses[0]);
    assertAllClose(params.get(0), params.get(1));
  }

  @Test
  void theForecasterTrainsOnTheDeviceAsOnTheCpu(@TempDir Path dir) throws IOException {
    TrainingConfig config = TrainingConfig.defaults().withEpochs(2);
    Trainer.Listener quiet =
        new Trainer.Listener() {
          @Override
          public void onStep(int epoch, int step, int steps, double runningLoss) {}

          @Override
          public void onEpoch(EpochStats stats) {}
        };
    long live = SIM.stats().liveBlocks();
    Trainer.Result cpu =
        Trainer.train(config, null, dir.resolve("cpu.safetensors"), Backends.cpu(), quiet);
    Trainer.Result gpu = Trainer.train(config, null, dir.resolve("gpu.safetensors"), SIM, quiet);
    assertNotSame(cpu.forecaster().model(), gpu.forecaster().model());
    for (int e = 0; e < 2; e++) {
      EpochStats a = cpu.history().get(e);
      EpochStats b = gpu.history().get(e);
      assertEquals(a.trainLoss(), b.trainLoss(), RTOL * a.trainLoss());
      assertEquals(a.validationLoss(), b.validationLoss(), RTOL * a.validationLoss());
      assertEquals(a.validationRmse(), b.validationRmse(), RTOL * a.validationRmse());
    }
    StateDict a = cpu.forecaster().model().stateDict();
    StateDict b = gpu.forecaster().model().stateDict();
    assertEquals(a.names(), b.names());
    for (String name : a.names()) {
      TensorAssert.assertClose(a.get(name), b.get(name), ATOL, RTOL, name);
    }
    cpu.forecaster().model().close();
    gpu.forecaster().model().close();
    assertEquals(
        live, SIM.stats().liveBlocks(), "training, validation and checkpoints leave nothing");
  }

  private static void assertAllClose(List<Tensor> expected, List<Tensor> actual) {
    assertEquals(expected.size(), actual.size());
    for (int i = 0; i < expected.size(); i++) {
      TensorAssert.assertClose(expected.get(i), actual.get(i), ATOL, RTOL, "tensor " + i);
    }
  }

  private static Tensor copy(Tensor host) {
    return Tensor.of(host.toFloatArray(), host.shape());
  }
}
