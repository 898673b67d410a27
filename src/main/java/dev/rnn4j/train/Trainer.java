package dev.rnn4j.train;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.DType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Trains a forecaster: mini-batches shuffled by (seed, epoch), mean squared error on normalized (and
 * anchored) targets, the optimizer's step after optional global-norm clipping, validation after each
 * epoch, and a checkpoint after each epoch. Every random choice derives from the seed and the epoch, so a
 * run resumed from a checkpoint ends bit for bit where the uninterrupted run ends.
 *
 * <p>On a backend that offers a {@link DeviceTraining} (CUDA), the steps run there with everything on the
 * device; validation and checkpoints are the same as on the host.
 */
public final class Trainer {
  /** Progress, for a command line or a log. */
  public interface Listener {
    /** After each step: the mean loss of the epoch so far. */
    void onStep(int epoch, int step, int steps, double runningLoss);

    /** After each epoch and its checkpoint. */
    void onEpoch(EpochStats stats);
  }

  /** What a run leaves: the forecaster, its data, and the history of every epoch (resumed ones included). */
  public record Result(Forecaster forecaster, WindowDataset.Split split, List<EpochStats> history) {}

  /**
   * Where a step's gradient is computed: in this process ({@link #local()}), or spread over a cluster
   * ({@code dev.rnn4j.spark.SparkTrainer}). Everything else about a run (order of samples, clipping, the
   * optimizer, validation, checkpoints) is the trainer's, so every source trains the same way.
   */
  public interface StepGradients {
    /**
     * The mean loss over one mini-batch at the forecaster's current weights and its gradient.
     *
     * @param forecaster the model being trained, in training mode, its dropout seeded for the epoch
     * @param train the training windows (normalized)
     * @param epoch the epoch, from 1
     * @param step the step within the epoch, from 1
     * @param samples the mini-batch: indices into {@code train}, in the epoch's shuffled order
     * @return the loss, and the gradients under the model's parameter names (null if the loss is not finite)
     */
    StepGradient compute(Forecaster forecaster, WindowDataset train, int epoch, int step, int[] samples);
  }

  /**
   * A mini-batch's mean squared error and its gradient.
   *
   * @param loss the mean squared error over the mini-batch
   * @param grads d loss / d parameters, in the model's dtype; null when {@code loss} is not finite
   */
  public record StepGradient(double loss, StateDict grads) {}

  private Trainer() {}

  /**
   * Trains up to {@code config.epochs()}, writing {@code checkpoint} after every epoch.
   *
   * @param resume the checkpoint to continue from, or null for a new run; its model and data settings and
   *     optimizer type must be {@code config}'s
   * @throws TrainingDivergedException when a loss is not finite; the last checkpoint stays as it was
   */
  public static Result train(TrainingConfig config, Checkpoint resume, Path checkpoint, Backend backend,
      Listener listener) throws IOException {
    return train(config, config.data().split(config.data().readSeries()), resume, checkpoint, backend,
        listener);
  }

  /**
   * As {@link #train(TrainingConfig, Checkpoint, Path, Backend, Listener)}, on data the caller has already
   * read and split with {@code config.data()}.
   */
  public static Result train(TrainingConfig config, WindowDataset.Split split, Checkpoint resume,
      Path checkpoint, Backend backend, Listener listener) throws IOException {
    return train(config, split, resume, checkpoint, backend, DType.FLOAT32, local(), listener);
  }

  /**
   * As {@link #train(TrainingConfig, WindowDataset.Split, Checkpoint, Path, Backend, Listener)}, with the
   * parameters in {@code dtype} and each step's gradient from {@code gradients}. The data stay float32 (the
   * batches' dtype) and are widened for a float64 model.
   *
   * @param backend where this process runs the model: every step with {@link #local()}, and validation
   */
  public static Result train(TrainingConfig config, WindowDataset.Split split, Checkpoint resume,
      Path checkpoint, Backend backend, DType dtype, StepGradients gradients, Listener listener)
      throws IOException {
    SequenceModel model;
    Optimizer optimizer = config.optimizer().create();
    List<EpochStats> history = new ArrayList<>();
    int start = 0;
    if (resume == null) {
      model = SequenceModel.create(config.model(), config.seed()).to(dtype);
    } else {
      checkResumable(config, resume, split.normalization());
      model = SequenceModel.fromStateDict(config.model(), resume.weights()).to(dtype);
      optimizer.loadState(resume.optimizerState());
      history.addAll(resume.history());
      start = resume.epoch();
    }
    model.to(backend);
    Forecaster forecaster = new Forecaster(model, config.data().anchored());
    // Steps run on the device when the backend offers it and they are this process's own.
    Optional<DeviceTraining> device = gradients == LOCAL && start < config.epochs()
        ? openDevice(config, forecaster, optimizer, split.train(), backend) : Optional.empty();
    try {
      for (int epoch = start + 1; epoch <= config.epochs(); epoch++) {
        double trainLoss = device.isPresent()
            ? trainEpochOnDevice(config, forecaster, optimizer, device.get(), split.train(), epoch, listener)
            : trainEpoch(config, forecaster, optimizer, split.train(), epoch, gradients, listener);
        EpochStats stats = validate(config, forecaster, split.validation(), epoch, trainLoss);
        if (!Double.isFinite(stats.validationLoss())) {
          throw new TrainingDivergedException(String.format("the validation loss became %s at epoch %d; "
              + "stopped, and the last checkpoint was left as it was", stats.validationLoss(), epoch));
        }
        history.add(stats);
        new Checkpoint(config, split.normalization(), model.stateDict(), optimizer.state(), epoch, history)
            .write(checkpoint);
        listener.onEpoch(stats);
      }
    } finally {
      device.ifPresent(DeviceTraining::close);
    }
    return new Result(forecaster, split, history);
  }

  /** A device training for this run when the backend offers one, holding the whole training set. */
  private static Optional<DeviceTraining> openDevice(TrainingConfig config, Forecaster forecaster,
      Optimizer optimizer, WindowDataset train, Backend backend) {
    Optional<DeviceTraining.Provider> provider = DeviceTraining.providerFor(backend);
    if (provider.isEmpty()) {
      return Optional.empty();
    }
    Forecaster.ModelBatch all = forecaster.modelBatch(BatchIterator.inOrder(train, train.size()).next(), train);
    return provider.get().open(backend, config, forecaster.model().stateDict(), optimizer.state(), all.input(),
        all.target());
  }

  /**
   * {@link #trainEpoch} on the device: the same batches in the same order, each step's loss the only
   * transfer; the weights and the optimizer's state come back once, at the end of the epoch.
   */
  private static double trainEpochOnDevice(TrainingConfig config, Forecaster forecaster, Optimizer optimizer,
      DeviceTraining device, WindowDataset train, int epoch, Listener listener) {
    int[] order = BatchIterator.permutation(train.size(), config.seed(), epoch);
    int batchSize = config.batchSize();
    int steps = (order.length + batchSize - 1) / batchSize;
    SplittableRandom dropoutSeeds = new SplittableRandom(config.seed() * 1_000_003L + epoch);
    double sum = 0;
    int samples = 0;
    for (int step = 1; samples < order.length; step++) {
      int[] batch = Arrays.copyOfRange(order, samples, Math.min(order.length, samples + batchSize));
      double loss = device.step(batch, dropoutSeeds.nextLong());
      if (!Double.isFinite(loss)) {
        throw new TrainingDivergedException(String.format("the training loss became %s at epoch %d, step %d "
            + "of %d; stopped, and the last checkpoint was left as it was", loss, epoch, step, steps));
      }
      sum += loss * batch.length;
      samples += batch.length;
      listener.onStep(epoch, step, steps, sum / samples);
    }
    forecaster.model().loadStateDict(device.weights());
    optimizer.loadState(device.optimizerState());
    return sum / samples;
  }

  private static void checkResumable(TrainingConfig config, Checkpoint resume, Normalization normalization) {
    TrainingConfig saved = resume.config();
    require(saved.model().equals(config.model()), "model", saved.model(), config.model());
    require(saved.data().equals(config.data()), "data", saved.data(), config.data());
    require(saved.optimizer().type().equals(config.optimizer().type()), "optimizer",
        saved.optimizer().type(), config.optimizer().type());
    require(resume.normalization().equals(normalization), "normalization statistics (the data changed)",
        resume.normalization().toJson(), normalization.toJson());
    if (resume.epoch() >= config.epochs()) {
      throw new IllegalArgumentException(String.format("the checkpoint has already completed %d epochs; "
          + "ask for more than that to continue", resume.epoch()));
    }
  }

  private static void require(boolean same, String what, Object saved, Object asked) {
    if (!same) {
      throw new IllegalArgumentException(String.format(
          "the checkpoint does not match this run: its %s is %s, this run's is %s", what, saved, asked));
    }
  }

  /** Gradients computed in this process, on the backend the model is on: one piece per mini-batch. */
  public static StepGradients local() {
    return LOCAL;
  }

  // Forecaster.shareGradient's computation with one share, the whole mini-batch (a factor of 1 changes no bit).
  private static final StepGradients LOCAL = (forecaster, train, epoch, step, samples) -> {
    double loss = forecaster.backwardShare(train, samples, samples.length).value();
    return new StepGradient(loss, Double.isFinite(loss) ? forecaster.model().grad() : null);
  };

  private static double trainEpoch(TrainingConfig config, Forecaster forecaster, Optimizer optimizer,
      WindowDataset train, int epoch, StepGradients gradients, Listener listener) {
    SequenceModel model = forecaster.model();
    model.train();
    // Dropout masks are a function of (seed, epoch), like the shuffle: resumable without saved RNG state.
    model.manualSeed(config.seed() * 1_000_003L + epoch);
    int[] order = BatchIterator.permutation(train.size(), config.seed(), epoch);
    int batchSize = config.batchSize();
    int steps = (order.length + batchSize - 1) / batchSize;
    double sum = 0;
    int samples = 0;
    for (int step = 1; samples < order.length; step++) {
      int[] batch = Arrays.copyOfRange(order, samples, Math.min(order.length, samples + batchSize));
      StepGradient g = gradients.compute(forecaster, train, epoch, step, batch);
      if (!Double.isFinite(g.loss())) {
        throw new TrainingDivergedException(String.format("the training loss became %s at epoch %d, step %d "
            + "of %d; stopped, and the last checkpoint was left as it was", g.loss(), epoch, step, steps));
      }
      StateDict grads = g.grads();
      if (config.clipNorm() > 0) {
        grads = GradClipping.clipGradNorm(grads, config.clipNorm()).grads();
      }
      model.loadStateDict(optimizer.step(model.stateDict(), grads));
      sum += g.loss() * batch.length;
      samples += batch.length;
      listener.onStep(epoch, step, steps, sum / samples);
    }
    return sum / samples;
  }

  private static EpochStats validate(TrainingConfig config, Forecaster forecaster, WindowDataset validation,
      int epoch, double trainLoss) {
    SequenceModel model = forecaster.model();
    model.eval();
    double sum = 0;
    for (BatchIterator it = BatchIterator.inOrder(validation, config.batchSize()); it.hasNext(); ) {
      Batch batch = it.next();
      Forecaster.ModelBatch mb = forecaster.modelBatch(batch, validation);
      sum += MseLoss.compute(model.forward(mb.input(), null), mb.target()).value() * batch.size();
    }
    var actual = Forecaster.actual(validation);
    double rmse = Forecaster.rmse(forecaster.forecast(validation, config.batchSize()), actual);
    double naive = Forecaster.rmse(Forecaster.naiveForecast(validation), actual);
    return new EpochStats(epoch, trainLoss, sum / validation.size(), rmse, naive);
  }
}
