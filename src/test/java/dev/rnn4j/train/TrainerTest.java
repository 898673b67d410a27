package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.DType;
import dev.rnn4j.nn.RnnConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training runs end to end on the shipped data: determinism, resumption, divergence, checkpoints.
 */
class TrainerTest {
  @TempDir Path tmp;

  /** A small, fast run: GRU with dropout (so resumption must also reproduce the masks). */
  private static TrainingConfig small(int epochs) {
    DataConfig data = DataConfig.defaults();
    RnnConfig rnn = RnnConfig.gru(1, 8).numLayers(2).dropout(0.2).batchFirst(true).build();
    return TrainingConfig.forData(data, rnn).withSchedule(epochs, 64, 7, 1.0);
  }

  private Trainer.Result train(TrainingConfig config, Checkpoint resume, Path checkpoint)
      throws IOException {
    return Trainer.train(config, resume, checkpoint, Backends.cpu(), Trainer.Listener.SILENT);
  }

  /**
   * In float64: the CPU's float32 cells take the Vector API's tanh and exp, whose bits still change
   * as the JIT warms up within one JVM (the CPU issue's determinism work), which made this
   * comparison of two runs in one JVM fail at times; float64 arithmetic is fixed, and the resume
   * logic is the same.
   */
  private Trainer.Result trainFloat64(TrainingConfig config, Checkpoint resume, Path checkpoint)
      throws IOException {
    return Trainer.train(
        config,
        config.data().split(config.data().readSeries()),
        resume,
        checkpoint,
        Backends.cpu(),
        DType.FLOAT64,
        Trainer.local(),
        Trainer.Listener.SILENT);
  }

  @Test
  void aResumedRunEndsBitForBitWhereTheUninterruptedRunEnds() throws IOException {
    Path whole = tmp.resolve("whole.safetensors");
    trainFloat64(small(3), null, whole);
    Path part = tmp.resolve("part.safetensors");
    trainFloat64(small(1), null, part);
    Checkpoint first = Checkpoint.read(part);
    assertEquals(1, first.epoch());
    trainFloat64(small(3), first, part);
    Checkpoint a = Checkpoint.read(whole);
    Checkpoint b = Checkpoint.read(part);
    assertEquals(a.weights(), b.weights());
    assertEquals(a.optimizerState(), b.optimizerState());
    assertEquals(a.history(), b.history());
    assertEquals(3, b.epoch());
    assertArrayEquals(
        Files.readAllBytes(whole), Files.readAllBytes(part), "the same file, byte for byte");
  }

  @Test
  void theDefaultForecasterBeatsTheNaiveForecastWithinAFewEpochs() throws IOException {
    Trainer.Result r =
        train(TrainingConfig.defaults().withEpochs(8), null, tmp.resolve("c.safetensors"));
    EpochStats last = r.history().get(r.history().size() - 1);
    assertTrue(last.validationRmse() < last.naiveRmse(), last.toString());
  }

  @Test
  void aNonFiniteLossStopsTrainingAndLeavesTheLastCheckpoint() throws IOException {
    Path checkpoint = tmp.resolve("c.safetensors");
    TrainingConfig sgd = small(1).withOptimizer(OptimizerConfig.sgd(0.01));
    train(sgd, null, checkpoint);
    byte[] before = Files.readAllBytes(checkpoint);
    TrainingConfig exploding =
        sgd.withOptimizer(OptimizerConfig.sgd(1e30)).withEpochs(3).withSchedule(3, 64, 7, 0);
    TrainingDivergedException e =
        assertThrows(
            TrainingDivergedException.class,
            () -> train(exploding, Checkpoint.read(checkpoint), checkpoint));
    assertTrue(
        e.getMessage()
            .matches(
                "the training loss became (NaN|Infinity) at epoch 2, step \\d+ of \\d+; "
                    + "stopped, and the last checkpoint was left as it was"),
        e.getMessage());
    assertArrayEquals(before, Files.readAllBytes(checkpoint));
  }

  @Test
  void aCheckpointFromAnotherRunIsRefused() throws IOException {
    Path checkpoint = tmp.resolve("c.safetensors");
    train(small(1), null, checkpoint);
    TrainingConfig other =
        TrainingConfig.forData(
                DataConfig.defaults(),
                RnnConfig.gru(1, 9).numLayers(2).dropout(0.2).batchFirst(true).build())
            .withSchedule(3, 64, 7, 1.0);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> train(other, Checkpoint.read(checkpoint), checkpoint));
    assertTrue(
        e.getMessage()
            .startsWith(
                "the checkpoint does not match this run: its model is "
                    + "SequenceModel(rnn=GRU(1, 8, num_layers=2, batch_first=True, dropout=0.2)"),
        e.getMessage());
    IllegalArgumentException done =
        assertThrows(
            IllegalArgumentException.class,
            () -> train(small(1), Checkpoint.read(checkpoint), checkpoint));
    assertEquals(
        "the checkpoint has already completed 1 epochs; ask for more than that to continue",
        done.getMessage());
  }

  @Test
  void corruptTruncatedAndForeignCheckpointsFailClearly() throws IOException {
    Path checkpoint = tmp.resolve("c.safetensors");
    train(small(1), null, checkpoint);
    byte[] bytes = Files.readAllBytes(checkpoint);

    Path flipped = tmp.resolve("flipped.safetensors");
    byte[] changed = bytes.clone();
    changed[changed.length - 3] ^= 0x40;
    Files.write(flipped, changed);
    IllegalArgumentException corrupt =
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.read(flipped));
    assertTrue(
        corrupt
            .getMessage()
            .matches(
                "not a readable checkpoint: "
                    + java.util.regex.Pattern.quote(flipped.toString())
                    + ": tensor data checksum mismatch \\(stored [0-9a-f]{12}\\.\\.\\., "
                    + "computed [0-9a-f]{12}\\.\\.\\.\\): the file is corrupt"),
        corrupt.getMessage());

    // The metadata has a checksum of its own: an edited epoch, with the tensor bytes intact.
    dev.rnn4j.io.SafetensorsFile file = dev.rnn4j.io.Safetensors.read(checkpoint);
    dev.rnn4j.io.SafetensorsWriter edited = dev.rnn4j.io.Safetensors.writer().dataChecksum();
    file.names().forEach(name -> edited.put(name, file.tensor(name)));
    file.metadata()
        .forEach(
            (key, value) -> {
              if (!key.equals(dev.rnn4j.io.Safetensors.DATA_CHECKSUM_KEY)) {
                edited.metadata(key, key.equals("epoch") ? "7" : value);
              }
            });
    Path metadata = tmp.resolve("metadata.safetensors");
    edited.write(metadata);
    IllegalArgumentException meta =
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.read(metadata));
    assertTrue(
        meta.getMessage().startsWith(metadata + ": checkpoint is corrupt: its checksum is "),
        meta.getMessage());

    Path truncated = tmp.resolve("truncated.safetensors");
    Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    IllegalArgumentException cut =
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.read(truncated));
    assertTrue(cut.getMessage().startsWith("not a readable checkpoint: "), cut.getMessage());

    Path foreign = tmp.resolve("foreign.safetensors");
    dev.rnn4j.io.Safetensors.writer()
        .put("weight", dev.rnn4j.tensor.Tensor.of(new float[] {1}, 1))
        .write(foreign);
    IllegalArgumentException other =
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.read(foreign));
    assertEquals(
        foreign + ": not an rnn4j checkpoint: expected format \"rnn4j-checkpoint-1\", got none",
        other.getMessage());
  }

  @Test
  void aCheckpointHoldsPyTorchNamedWeightsAndTheWholeConfiguration() throws IOException {
    Path checkpoint = tmp.resolve("c.safetensors");
    train(small(1), null, checkpoint);
    Checkpoint c = Checkpoint.read(checkpoint);
    assertEquals(small(1), c.config());
    assertEquals("rnn.weight_ih_l0", c.weights().names().get(0));
    assertTrue(c.weights().names().containsAll(List.of("head.weight", "head.bias")));
    assertTrue(
        c.optimizerState().names().contains("exp_avg.head.bias"),
        c.optimizerState().names().toString());
    assertEquals(1, c.history().size());
    try (var files = Files.list(tmp)) {
      assertEquals(List.of(checkpoint), files.toList(), "no temporary file is left behind");
    }
  }
}
