package dev.rnn4j.train;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.Device;
import dev.rnn4j.nn.Parameter;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.TensorScope;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The one training loop: mini-batches shuffled by (seed, epoch), the task's loss, backward,
 * optional global-norm clipping and the optimizer's step, for any {@link SequenceModel}
 * (many-to-one or many-to-many, MSE or cross-entropy, variable lengths) on any backend. On a GPU
 * the samples stay on the device, each batch is one row gather there, the parameters are updated in
 * place, and the only transfer is the losses, read once per {@link #DEVICE_LOG_INTERVAL} steps.
 *
 * <p>{@link #trainEpoch} is the loop for a {@link TrainingSet}; {@link #train(TrainingConfig,
 * WindowDataset.Split, Checkpoint, Path, Backend, DType, StepGradients, Listener)} runs it for a
 * forecaster with validation and a checkpoint after each epoch, stepping the config's learning-rate
 * scheduler once per epoch and stopping early when its early stopping says so. Every random choice
 * derives from the seed and the epoch, and the scheduler's and early stopping's states travel in
 * the checkpoint, so a run resumed from a checkpoint ends bit for bit where the uninterrupted run
 * ends.
 */
public final class Trainer {
  /** Steps between reads of the loss when the model is on a device other than the CPU. */
  public static final int DEVICE_LOG_INTERVAL = 10;

  /** Progress, for a command line or a log. */
  public interface Listener {
    /**
     * After each step (reported in batches of steps on a GPU): the mean loss of the epoch so far.
     */
    void onStep(int epoch, int step, int steps, double runningLoss);

    /** After each epoch and its checkpoint. */
    void onEpoch(EpochStats stats);

    /** A listener that ignores every event: for runs whose progress no one follows. */
    Listener SILENT =
        new Listener() {
          @Override
          public void onStep(int epoch, int step, int steps, double runningLoss) {}

          @Override
          public void onEpoch(EpochStats stats) {}
        };
  }

  /**
   * What a run leaves: the forecaster (with its best epoch's weights when early stopping restores
   * them), its data, the history of every epoch (resumed ones included), and early stopping's state
   * at the end (null without early stopping): the epoch it stopped at, if it did, and the best one.
   */
  public record Result(
      Forecaster forecaster,
      WindowDataset.Split split,
      List<EpochStats> history,
      EarlyStopping.State earlyStopping) {}

  /**
   * Where a forecaster's step gradient is computed: in this process ({@link #local()}), or spread
   * over a cluster ({@code dev.rnn4j.spark.SparkTrainer}). Everything else about a run (order of
   * samples, clipping, the optimizer, validation, checkpoints) is the trainer's, so every source
   * trains the same way.
   */
  public interface StepGradients {
    /**
     * The mean loss over one step's samples at the model's current weights, and its gradient.
     *
     * @param forecaster the model being trained, in training mode, its dropout seeded for the epoch
     * @param train the training windows (normalized)
     * @param epoch the epoch, from 1
     * @param step the optimizer step within the epoch, from 1
     * @param batches the step's mini-batches ({@link TrainingConfig#accumulateGradBatches} of them,
     *     fewer at the end of an epoch): indices into {@code train}, in the epoch's shuffled order;
     *     the loss is the mean over all their samples
     * @return the loss, and the gradients under the model's parameter names (null if the loss is
     *     not finite)
     */
    StepGradient compute(
        Forecaster forecaster, WindowDataset train, int epoch, int step, int[][] batches);
  }

  /**
   * A step's mean squared error and its gradient.
   *
   * @param loss the mean squared error over the step's samples
   * @param grads d loss / d parameters, in the model's dtype; null when {@code loss} is not finite
   */
  public record StepGradient(double loss, StateDict grads) {}

  private Trainer() {}

  /**
   * Trains up to {@code config.epochs()}, writing {@code checkpoint} after every epoch. Each epoch
   * trains, validates, steps the scheduler (ReduceLROnPlateau with the validation loss), updates
   * early stopping, then writes the checkpoint; the run ends after the epoch at which early
   * stopping stops it, with the best epoch's weights if it restores them.
   *
   * @param resume the checkpoint to continue from, or null for a new run; its model and data
   *     settings and optimizer type must be {@code config}'s
   * @throws TrainingDivergedException when a loss is not finite; the last checkpoint stays as it
   *     was
   */
  public static Result train(
      TrainingConfig config, Checkpoint resume, Path checkpoint, Backend backend, Listener listener)
      throws IOException {
    return train(
        config,
        config.data().split(config.data().readSeries()),
        resume,
        checkpoint,
        backend,
        listener);
  }

  /**
   * As {@link #train(TrainingConfig, Checkpoint, Path, Backend, Listener)}, on data the caller has
   * already read and split with {@code config.data()}.
   */
  public static Result train(
      TrainingConfig config,
      WindowDataset.Split split,
      Checkpoint resume,
      Path checkpoint,
      Backend backend,
      Listener listener)
      throws IOException {
    return train(config, split, resume, checkpoint, backend, DType.FLOAT32, local(), listener);
  }

  /**
   * As {@link #train(TrainingConfig, WindowDataset.Split, Checkpoint, Path, Backend, Listener)},
   * with the parameters in {@code dtype} and each step's gradient from {@code gradients}. The data
   * stay float32 (the batches' dtype) and are widened for a float64 model.
   *
   * @param backend where this process runs the model: every step with {@link #local()}, and
   *     validation
   */
  public static Result train(
      TrainingConfig config,
      WindowDataset.Split split,
      Checkpoint resume,
      Path checkpoint,
      Backend backend,
      DType dtype,
      StepGradients gradients,
      Listener listener)
      throws IOException {
    if (gradients == LOCAL) {
      // Before the model is made: a configuration that cannot fit is refused in one line, not after
      // minutes in an OutOfMemoryError. Remote shares run in other JVMs, which this one cannot see.
      MemoryEstimate.training(
              config.model(),
              config.optimizer(),
              dtype,
              config.batchSize(),
              config.data().window(),
              split.train().size(),
              backend.device())
          .checkFits(backend);
    }
    List<EpochStats> history = new ArrayList<>();
    int start = 0;
    SequenceModel model;
    if (resume == null) {
      model = SequenceModel.create(config.model(), config.seed()).to(dtype);
    } else {
      checkResumable(config, resume, split.normalization());
      model = SequenceModel.fromStateDict(config.model(), resume.weights()).to(dtype);
      history.addAll(resume.history());
      start = resume.epoch();
    }
    model.to(backend);
    Forecaster forecaster = new Forecaster(model, config.data().anchored());
    // The local steps read the training set where the model is, copied there once.
    try (Optimizer optimizer = config.optimizer().create(model.parameters());
        TrainingSet onDevice =
            gradients == LOCAL && start < config.epochs()
                ? forecaster.trainingSet(split.train()).to(model.device())
                : null) {
      LrScheduler scheduler =
          config.scheduler() == null ? null : config.scheduler().create(optimizer);
      EarlyStopping stopping =
          config.earlyStopping() == null ? null : new EarlyStopping(config.earlyStopping());
      boolean keepBest = stopping != null && config.earlyStopping().restoreBestWeights();
      StateDict best = null;
      if (resume != null) {
        optimizer.loadState(resume.optimizerState());
        if (scheduler != null) {
          scheduler.loadStateDict(resume.schedulerState());
          // What torch.optim's load_state_dict restores: param_groups[0]["lr"].
          optimizer.setLr(scheduler.lastLr());
        }
        if (stopping != null) {
          stopping = new EarlyStopping(config.earlyStopping(), resume.earlyStopping());
          best = resume.bestWeights();
        }
      }
      boolean stop = false;
      for (int epoch = start + 1; epoch <= config.epochs() && !stop; epoch++) {
        model.train();
        // Dropout masks are a function of (seed, epoch), like the shuffle: resumable without saved
        // RNG state.
        model.manualSeed(epochSeed(config.seed(), epoch));
        double trainLoss =
            gradients == LOCAL
                ? trainEpoch(
                    model,
                    optimizer,
                    onDevice,
                    config.batchSize(),
                    config.accumulateGradBatches(),
                    config.seed(),
                    epoch,
                    config.clipNorm(),
                    listener)
                : trainEpochRemote(
                    config, forecaster, optimizer, split.train(), epoch, gradients, listener);
        EpochStats stats = validate(config, forecaster, split.validation(), epoch, trainLoss);
        if (!Double.isFinite(stats.validationLoss())) {
          throw new TrainingDivergedException(
              String.format(
                  "the validation loss became %s at epoch %d; "
                      + "stopped, and the last checkpoint was left as it was",
                  stats.validationLoss(), epoch));
        }
        history.add(stats);
        if (scheduler instanceof ReduceLrOnPlateau plateau) {
          plateau.step(stats.validationLoss());
        } else if (scheduler != null) {
          scheduler.step();
        }
        StateDict weights = model.stateDict();
        if (stopping != null) {
          stop = stopping.update(epoch, stats.validationLoss());
          if (keepBest && stopping.state().bestEpoch() == epoch) {
            best = weights;
          }
        }
        new Checkpoint(
                config,
                split.normalization(),
                weights,
                optimizer.state(),
                epoch,
                history,
                scheduler == null ? null : scheduler.stateDict(),
                stopping == null ? null : stopping.state(),
                keepBest ? best : null)
            .write(checkpoint);
        listener.onEpoch(stats);
      }
      if (keepBest && best != null) {
        model.loadStateDict(best);
      }
      return new Result(forecaster, split, history, stopping == null ? null : stopping.state());
    }
  }

  /**
   * One epoch of training on {@code data}: the samples in the order {@link
   * BatchIterator#permutation} gives for (seed, epoch), in mini-batches of {@code batchSize}; per
   * batch the forward pass, the set's loss, backward, clipping at {@code clipNorm} (0 for none),
   * the optimizer's step and zeroing the gradients. The model should be in training mode, on the
   * set's device, and its dropout seeded as the caller wants.
   *
   * @param listener told of every step, or null
   * @return the mean loss over the epoch's samples
   * @throws TrainingDivergedException naming the epoch and step when a loss is not finite
   */
  public static double trainEpoch(
      SequenceModel model,
      Optimizer optimizer,
      TrainingSet data,
      int batchSize,
      long seed,
      int epoch,
      double clipNorm,
      Listener listener) {
    return trainEpoch(model, optimizer, data, batchSize, 1, seed, epoch, clipNorm, listener);
  }

  /**
   * As {@link #trainEpoch(SequenceModel, Optimizer, TrainingSet, int, long, int, double,
   * Listener)}, with each optimizer step taking {@code accumulateGradBatches} consecutive
   * mini-batches (fewer at the epoch's end): their gradients add up, each mini-batch's loss
   * weighted by its share of the step's samples, so that the step's gradient is that of the mean
   * loss over all of them (see {@link TrainingConfig#accumulateGradBatches}). The listener hears of
   * optimizer steps.
   */
  public static double trainEpoch(
      SequenceModel model,
      Optimizer optimizer,
      TrainingSet data,
      int batchSize,
      int accumulateGradBatches,
      long seed,
      int epoch,
      double clipNorm,
      Listener listener) {
    int[] order = BatchIterator.permutation(data.size(), seed, epoch);
    int[][] batches = miniBatches(order, batchSize);
    int steps = steps(batches.length, accumulateGradBatches);
    Backend backend = model.backend();
    int interval = model.device().equals(Device.CPU) ? 1 : DEVICE_LOG_INTERVAL;
    // The losses of the mini-batches since the last read, side by side on the device: one copy per
    // interval.
    Tensor pending = Tensor.zeros(model.dtype(), model.device(), interval);
    int[] sizes = new int[interval];
    int waiting = 0;
    double sum = 0;
    int samples = 0;
    try {
      for (int step = 1; step <= steps; step++) {
        int first = (step - 1) * accumulateGradBatches;
        int last = first + Math.min(accumulateGradBatches, batches.length - first);
        int stepSamples = 0;
        for (int b = first; b < last; b++) {
          stepSamples += batches[b].length;
        }
        for (int b = first; b < last; b++) {
          int[] batch = batches[b];
          try (TensorScope scope = TensorScope.open()) {
            Tensor input = data.input(batch, model.config());
            try (SequenceModel.SequenceTape tape =
                model.forwardForBackward(input, data.lengths(batch))) {
              LossResult loss = data.loss(tape.prediction(), batch, model.config());
              if (batch.length != stepSamples) {
                // The step's loss is the mean over all its samples: each mini-batch's mean weighs
                // by its share of them, and backward adds the parts up in the gradients.
                backend.scaleInPlace(
                    loss.gradient().storage(), (double) batch.length / stepSamples);
              }
              tape.backward(loss.gradient());
              backend.scatterRows(loss.loss().storage(), 1, new int[] {waiting}, pending.storage());
            }
          }
          sizes[waiting++] = batch.length;
          if (waiting == interval || b == batches.length - 1) {
            // Read before this step's update: on the CPU (an interval of 1) a non-finite loss stops
            // the run before it touches the weights.
            double[] losses = pending.to(Device.CPU).toDoubleArray();
            for (int k = 0; k < waiting; k++) {
              int at = b - waiting + k + 1;
              int atStep = at / accumulateGradBatches + 1;
              if (!Double.isFinite(losses[k])) {
                throw diverged(losses[k], epoch, atStep, steps);
              }
              sum += losses[k] * sizes[k];
              samples += sizes[k];
              boolean endsStep = (at + 1) % accumulateGradBatches == 0 || at == batches.length - 1;
              if (listener != null && endsStep) {
                listener.onStep(epoch, atStep, steps, sum / samples);
              }
            }
            waiting = 0;
          }
        }
        if (clipNorm > 0) {
          GradClipping.clipGradNorm(model.parameters(), clipNorm).close();
        }
        optimizer.step();
        optimizer.zeroGrad();
      }
    } finally {
      pending.close();
    }
    return sum / samples;
  }

  /**
   * The optimizer steps of an epoch of {@code miniBatches} mini-batches, {@code k} per step: the
   * ceiling of their quotient, computed so that a {@code k} near {@code Integer.MAX_VALUE} does not
   * overflow to no step at all.
   */
  private static int steps(int miniBatches, int k) {
    return miniBatches == 0 ? 0 : (miniBatches - 1) / k + 1;
  }

  /** {@code order} cut into mini-batches of {@code batchSize}, the last one shorter if need be. */
  private static int[][] miniBatches(int[] order, int batchSize) {
    int[][] batches = new int[(order.length + batchSize - 1) / batchSize][];
    for (int b = 0; b < batches.length; b++) {
      batches[b] =
          Arrays.copyOfRange(order, b * batchSize, Math.min(order.length, (b + 1) * batchSize));
    }
    return batches;
  }

  private static TrainingDivergedException diverged(double loss, int epoch, int step, int steps) {
    return new TrainingDivergedException(
        String.format(
            "the training loss became %s at epoch %d, step %d "
                + "of %d; stopped, and the last checkpoint was left as it was",
            loss, epoch, step, steps));
  }

  /**
   * {@link #trainEpoch} with each step's gradient from elsewhere (a cluster), installed before the
   * step.
   */
  private static double trainEpochRemote(
      TrainingConfig config,
      Forecaster forecaster,
      Optimizer optimizer,
      WindowDataset train,
      int epoch,
      StepGradients gradients,
      Listener listener) {
    SequenceModel model = forecaster.model();
    int[][] batches =
        miniBatches(
            BatchIterator.permutation(train.size(), config.seed(), epoch), config.batchSize());
    int k = config.accumulateGradBatches();
    int steps = steps(batches.length, k);
    double sum = 0;
    int samples = 0;
    for (int step = 1; step <= steps; step++) {
      int first = (step - 1) * k;
      int[][] taken =
          Arrays.copyOfRange(batches, first, first + Math.min(k, batches.length - first));
      StepGradient g = gradients.compute(forecaster, train, epoch, step, taken);
      if (!Double.isFinite(g.loss())) {
        throw diverged(g.loss(), epoch, step, steps);
      }
      model.zeroGrad();
      for (Parameter p : model.parameters()) {
        if (g.grads().contains(p.name())) {
          p.accumulateGrad(g.grads().get(p.name()));
        }
      }
      if (config.clipNorm() > 0) {
        GradClipping.clipGradNorm(model.parameters(), config.clipNorm()).close();
      }
      optimizer.step();
      optimizer.zeroGrad();
      int stepSamples = Arrays.stream(taken).mapToInt(b -> b.length).sum();
      sum += g.loss() * stepSamples;
      samples += stepSamples;
      if (listener != null) {
        listener.onStep(epoch, step, steps, sum / samples);
      }
    }
    return sum / samples;
  }

  /**
   * Refuses, in one line, a checkpoint that {@link #train} could not continue with {@code config}
   * on data of {@code normalization}: another model, data, optimizer type, scheduler, early
   * stopping or number of mini-batches per step, a run that stopped early, or one that already has
   * {@code config.epochs()} epochs. {@code train} checks this itself; a caller that runs the loop
   * elsewhere (Spark's barrier tasks) checks first, where a failure is not retried.
   *
   * @throws IllegalArgumentException naming what differs
   */
  public static void checkResumable(
      TrainingConfig config, Checkpoint resume, Normalization normalization) {
    TrainingConfig saved = resume.config();
    require(saved.model().equals(config.model()), "model", saved.model(), config.model());
    require(sameData(saved.data(), config.data()), "data", saved.data(), config.data());
    require(
        saved.optimizer().type().equals(config.optimizer().type()),
        "optimizer",
        saved.optimizer().type(),
        config.optimizer().type());
    require(
        Objects.equals(saved.scheduler(), config.scheduler()),
        "learning-rate scheduler",
        saved.scheduler(),
        config.scheduler());
    require(
        Objects.equals(saved.earlyStopping(), config.earlyStopping()),
        "early stopping",
        saved.earlyStopping(),
        config.earlyStopping());
    require(
        saved.accumulateGradBatches() == config.accumulateGradBatches(),
        "accumulate_grad_batches",
        saved.accumulateGradBatches(),
        config.accumulateGradBatches());
    require(
        resume.normalization().equals(normalization),
        "normalization statistics (the data changed)",
        resume.normalization().toJson(),
        normalization.toJson());
    if (config.scheduler() != null && resume.schedulerState() == null
        || config.earlyStopping() != null && resume.earlyStopping() == null
        || config.earlyStopping() != null
            && config.earlyStopping().restoreBestWeights()
            && resume.bestWeights() == null) {
      throw new IllegalArgumentException(
          "the checkpoint lacks the scheduler or early stopping state its configuration needs");
    }
    if (resume.earlyStopping() != null && resume.earlyStopping().stoppedEpoch() > 0) {
      throw new IllegalArgumentException(
          String.format(
              "the checkpoint's run stopped early at epoch %d: its validation loss had not"
                  + " improved by more than %s for %d epochs; there is nothing to continue",
              resume.earlyStopping().stoppedEpoch(),
              OptimizerConfig.repr(config.earlyStopping().minDelta()),
              config.earlyStopping().patience()));
    }
    if (resume.epoch() >= config.epochs()) {
      throw new IllegalArgumentException(
          String.format(
              "the checkpoint has already completed %d epochs; "
                  + "ask for more than that to continue",
              resume.epoch()));
    }
  }

  /** Equal settings, or a moved CSV whose recorded content checksum is the same. */
  private static boolean sameData(DataConfig saved, DataConfig asked) {
    return saved.equals(asked)
        || saved.csvSha256() != null && saved.withCsv(asked.csv()).equals(asked);
  }

  private static void require(boolean same, String what, Object saved, Object asked) {
    if (!same) {
      throw new IllegalArgumentException(
          String.format(
              "the checkpoint does not match this run: its %s is %s, this run's is %s",
              what, saved, asked));
    }
  }

  /** Gradients computed in this process, on the backend the model is on: {@link #trainEpoch}. */
  public static StepGradients local() {
    return LOCAL;
  }

  // Forecaster.shareGradient with one share, the whole step. The trainer itself runs these steps as
  // trainEpoch over the training set on the model's device; the same gradient, with nothing copied.
  private static final StepGradients LOCAL =
      (forecaster, train, epoch, step, batches) -> {
        int samples = Arrays.stream(batches).mapToInt(b -> b.length).sum();
        Forecaster.ShareGradient g = forecaster.shareGradient(train, batches, samples);
        double loss = g.lossSum() / g.samples();
        return new StepGradient(loss, Double.isFinite(loss) ? g.grads() : null);
      };

  /**
   * The dropout seed of an epoch, a function of (seed, epoch) like the shuffle, so that a resumed
   * run needs no saved RNG state; {@link #shareSeed} goes on from it for one share of a step.
   */
  static long epochSeed(long seed, int epoch) {
    return seed * 1_000_003L + epoch;
  }

  /**
   * The dropout seed of share {@code share} of step {@code step} in a data-parallel epoch: every
   * mode that splits a step into shares seeds them so, and so draws the same masks.
   */
  public static long shareSeed(long seed, int epoch, int step, int share) {
    return (epochSeed(seed, epoch) * 1_000_003L + step) * 1_000_003L + share;
  }

  private static EpochStats validate(
      TrainingConfig config,
      Forecaster forecaster,
      WindowDataset validation,
      int epoch,
      double trainLoss) {
    SequenceModel model = forecaster.model();
    model.eval();
    double sum = 0;
    for (BatchIterator it = BatchIterator.inOrder(validation, config.batchSize()); it.hasNext(); ) {
      Batch batch = it.next();
      Forecaster.ModelBatch mb = forecaster.modelBatch(batch, validation);
      try (TensorScope scope = TensorScope.open()) {
        sum += MseLoss.compute(model.forward(mb.input(), null), mb.target()).value() * batch.size();
      }
    }
    var actual = Forecaster.actual(validation);
    Tensor forecast = forecaster.forecast(validation, config.batchSize());
    double rmse = Forecaster.rmse(forecast, actual);
    double naive = Forecaster.rmse(Forecaster.naiveForecast(validation), actual);
    double[] truth = actual.toDoubleArray();
    double[] predicted = forecast.toDoubleArray();
    return new EpochStats(
        epoch,
        trainLoss,
        sum / validation.size(),
        rmse,
        naive,
        Metrics.meanAbsoluteError(truth, predicted),
        Metrics.meanAbsolutePercentageError(truth, predicted));
  }
}
