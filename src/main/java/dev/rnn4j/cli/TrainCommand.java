package dev.rnn4j.cli;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.DType;
import dev.rnn4j.internal.PythonText;
import dev.rnn4j.io.SizeLimits;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.spec.RnnMode;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.DataConfig;
import dev.rnn4j.train.EarlyStopping;
import dev.rnn4j.train.EarlyStoppingConfig;
import dev.rnn4j.train.EpochStats;
import dev.rnn4j.train.Forecaster;
import dev.rnn4j.train.LabelledSequences;
import dev.rnn4j.train.MemoryEstimate;
import dev.rnn4j.train.OptimizerConfig;
import dev.rnn4j.train.SchedulerConfig;
import dev.rnn4j.train.TimeSeries;
import dev.rnn4j.train.Trainer;
import dev.rnn4j.train.TrainingConfig;
import dev.rnn4j.train.WindowDataset;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code rnn4j train}: trains a forecaster with {@link Trainer}, printing one line per epoch, and
 * draws its loss curves and its one-step-ahead forecast of the validation part as PNG charts.
 *
 * <p>Every default is {@link TrainingConfig#defaults()}'s, so {@code rnn4j train} alone is the
 * default run. A resumed run takes everything but its length from the checkpoint, which is what
 * makes it end bit for bit where the uninterrupted run ends.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    sortOptions = false,
    header =
        "Trains a forecaster on a time series: by default an LSTM on the shipped monthly CO2 series.",
    description = {
      "Cuts the series into sliding windows (--window rows of every column as input, the next --horizon "
          + "rows of the first column as target), holds out the end of the series for validation, and "
          + "trains a recurrent stack with a linear head on the mean squared error of normalized values "
          + "anchored to each window's last value.",
      "",
      "Prints one line per epoch, with the validation RMSE in the series' units next to the RMSE of the "
          + "naive forecast (each window's last value). DIR/checkpoint.safetensors is replaced after every "
          + "epoch, DIR/best.safetensors after each epoch whose validation loss is the lowest so "
          + "far; DIR/loss.png and DIR/forecast.png are drawn at the end. predict, export and "
          + "--resume take either checkpoint.",
      "",
      "A folder that already holds a run is refused unless --force is given (or --resume continues "
          + "its checkpoint); a folder that another train is writing is refused (DIR/.lock).",
      "",
      "--lr-scheduler sets the learning rate once per epoch as torch.optim.lr_scheduler does "
          + "(plateau: with the validation loss); --early-stopping-patience stops when the "
          + "validation loss has not improved by more than --min-delta for that many epochs, and "
          + "--restore-best-weights ends the run with its best epoch's weights.",
      "",
      "--resume continues the checkpoint's run with its own model, data, optimizer and schedule, up to "
          + "--epochs, and ends bit for bit where the uninterrupted run ends. The checkpoint "
          + "records the SHA-256 of its CSV (or of the shipped series): if the file moved, --csv "
          + "FILE names it, and is refused unless its content has that checksum.",
      "",
      "Ctrl-C (or SIGTERM) stops at the next step, keeps the last epoch's checkpoint, prints on "
          + "stderr the command that resumes, and exits with code 130.",
      "",
      "On any error: one line on stderr and exit code 1. When the loss becomes NaN or infinite, training "
          + "stops and the last checkpoint is left as it was."
    })
final class TrainCommand implements Runnable {
  static final String CHECKPOINT = "checkpoint.safetensors";
  static final String LOSS_PNG = "loss.png";
  static final String FORECAST_PNG = "forecast.png";

  private static final TrainingConfig DEFAULTS = TrainingConfig.defaults();

  /** What may accompany --resume: everything else comes from the checkpoint. */
  private static final Set<String> RESUME_OPTIONS =
      Set.of("--resume", "--epochs", "--out", "--force", "--device", "--csv");

  @Spec private CommandSpec spec;

  @Option(
      names = "--task",
      paramLabel = "TASK",
      defaultValue = "forecasting",
      order = 0,
      description =
          "forecasting (default) or classification: one label per sequence of a CSV with an id "
              + "and a label column, --columns the features (default: every other column; default data: the "
              + "shipped handwritten digits, row by row); writes loss.png and confusion.png.")
  private String task;

  @ArgGroup(validate = false, heading = "%nModel:%n", order = 1)
  private ModelOptions model = new ModelOptions();

  @ArgGroup(validate = false, heading = "%nData:%n", order = 2)
  private DataOptions data = new DataOptions();

  @ArgGroup(validate = false, heading = "%nOptimizer:%n", order = 3)
  private OptimizerOptions optimizer = new OptimizerOptions();

  @ArgGroup(validate = false, heading = "%nSchedule:%n", order = 4)
  private ScheduleOptions schedule = new ScheduleOptions();

  @ArgGroup(validate = false, heading = "%nLearning-rate scheduler, early stopping:%n", order = 5)
  private LrOptions lrOptions = new LrOptions();

  @Option(
      names = "--out",
      paramLabel = "DIR",
      order = 6,
      description =
          "Receives checkpoint.safetensors, loss.png and forecast.png; created if missing "
              + "(default: runs/latest, or with --resume the checkpoint's folder).")
  private Path out;

  @Option(
      names = "--force",
      order = 7,
      description =
          "Replaces the run already in --out (checkpoint.safetensors and "
              + "best.safetensors, as this run writes its own); without it such a folder is refused.")
  private boolean force;

  @Option(
      names = "--resume",
      paramLabel = "CKPT",
      order = 8,
      description =
          "Continues the run of this checkpoint (checkpoint.safetensors, or "
              + "best.safetensors to go on from the best epoch, with --force or another --out) up to "
              + "--epochs (default: the epochs it was started with). Only --epochs, --out, --force, "
              + "--device and --csv (the run's CSV at a new place: its content must have the checksum "
              + "the checkpoint recorded) may be given with it.")
  private Path resume;

  @Mixin private DeviceOption device;

  private Progress progress;

  /** The model options; defaults from {@link TrainingConfig#defaults()}. */
  static final class ModelOptions {
    @Option(
        names = "--mode",
        paramLabel = "MODE",
        defaultValue = "lstm",
        converter = ModeConverter.class,
        description = "lstm, gru, rnn-tanh or rnn-relu (default: ${DEFAULT-VALUE}).")
    RnnMode mode;

    @Option(names = "--hidden-size", paramLabel = "N", description = "(default: ${DEFAULT-VALUE})")
    int hiddenSize = DEFAULTS.model().rnn().hiddenSize();

    @Option(names = "--num-layers", paramLabel = "N", description = "(default: ${DEFAULT-VALUE})")
    int numLayers = DEFAULTS.model().rnn().numLayers();

    @Option(names = "--bidirectional", description = "Runs each layer in both directions.")
    boolean bidirectional = DEFAULTS.model().rnn().bidirectional();

    @Option(
        names = "--dropout",
        paramLabel = "P",
        description = "Dropout between layers, in training (default: ${DEFAULT-VALUE}).")
    double dropout = DEFAULTS.model().rnn().dropout();

    @Option(
        names = "--proj-size",
        paramLabel = "N",
        description = "LSTM only: projects h to this size (default: ${DEFAULT-VALUE}, none).")
    int projSize = DEFAULTS.model().rnn().projSize();
  }

  /** The data options; defaults from {@link DataConfig#defaults()}. */
  static final class DataOptions {
    @Option(
        names = "--csv",
        paramLabel = "FILE",
        description =
            "A CSV file with a header row (default: the shipped monthly CO2 series at Mauna Loa).")
    Path csv;

    @Option(
        names = "--columns",
        paramLabel = "COLUMN",
        split = ",",
        description =
            "The input columns, comma-separated; the first is forecast (default: "
                + TimeSeries.DEFAULT_COLUMN
                + ").")
    List<String> columns = DEFAULTS.data().columns();

    @Option(
        names = "--window",
        paramLabel = "N",
        description = "Input rows per sample (default: " + "${DEFAULT-VALUE}).")
    int window = DEFAULTS.data().window();

    @Option(
        names = "--horizon",
        paramLabel = "N",
        description = "Rows forecast per sample (default: " + "${DEFAULT-VALUE}).")
    int horizon = DEFAULTS.data().horizon();

    @Option(
        names = "--stride",
        paramLabel = "N",
        description = "Rows between samples (default: " + "${DEFAULT-VALUE}).")
    int stride = DEFAULTS.data().stride();

    @Option(
        names = "--validation-fraction",
        paramLabel = "F",
        description =
            "The share of the series, at its end, held out for validation (default: "
                + "${DEFAULT-VALUE}).")
    double validationFraction = DEFAULTS.data().validationFraction();

    @Option(
        names = "--no-normalize",
        description = "Does not z-score the columns with training statistics.")
    boolean noNormalize = !DEFAULTS.data().normalize();

    @Option(
        names = "--no-anchor",
        description =
            "Does not make windows relative to their last value: the model forecasts levels.")
    boolean noAnchor = !DEFAULTS.data().anchored();

    @Option(
        names = "--id-column",
        paramLabel = "COLUMN",
        description =
            "classification: the column naming each row's sequence (default: ${DEFAULT-VALUE}).")
    String idColumn = LabelledSequences.DEFAULT_ID_COLUMN;

    @Option(
        names = "--label-column",
        paramLabel = "COLUMN",
        description = "classification: the column of class labels (default: ${DEFAULT-VALUE}).")
    String labelColumn = LabelledSequences.DEFAULT_LABEL_COLUMN;
  }

  /** The optimizer options; defaults from {@link TrainingConfig#defaults()} and torch.optim. */
  static final class OptimizerOptions {
    @Option(
        names = "--optimizer",
        paramLabel = "NAME",
        description = "sgd, adam or adamw (default: ${DEFAULT-VALUE}).")
    String type = DEFAULTS.optimizer().type();

    @Option(
        names = "--lr",
        paramLabel = "LR",
        description = "Learning rate (default: ${DEFAULT-VALUE}).")
    double lr = DEFAULTS.optimizer().lr();

    @Option(names = "--momentum", paramLabel = "M", description = "SGD only (default: 0).")
    Double momentum;

    @Option(
        names = "--weight-decay",
        paramLabel = "W",
        description = "L2 penalty; decoupled for adamw (default: PyTorch's, 0 and for adamw 0.01).")
    Double weightDecay;
  }

  /** The schedule options; defaults from {@link TrainingConfig#defaults()}. */
  static final class ScheduleOptions {
    @Option(
        names = "--epochs",
        paramLabel = "N",
        description = "The epoch to train up to (default: ${DEFAULT-VALUE}).")
    int epochs = DEFAULTS.epochs();

    @Option(names = "--batch-size", paramLabel = "N", description = "(default: ${DEFAULT-VALUE})")
    int batchSize = DEFAULTS.batchSize();

    @Option(
        names = "--seed",
        paramLabel = "N",
        description = "Seeds initialization, shuffling and dropout (default: ${DEFAULT-VALUE}).")
    long seed = DEFAULTS.seed();

    @Option(
        names = "--clip-norm",
        paramLabel = "X",
        description =
            "Clips the gradients' global norm at X; 0 for none (default: ${DEFAULT-VALUE}).")
    double clipNorm = DEFAULTS.clipNorm();

    @Option(
        names = "--accumulate-grad-batches",
        paramLabel = "K",
        description =
            "Steps the optimizer once per K mini-batches, on the gradient of the mean loss over "
                + "their samples: K mini-batches of --batch-size train as one of K times that size, with one "
                + "mini-batch's activations in memory (default: ${DEFAULT-VALUE}).")
    int accumulateGradBatches = DEFAULTS.accumulateGradBatches();
  }

  /**
   * The scheduler and early-stopping options: torch.optim.lr_scheduler's arguments in kebab case,
   * with PyTorch's defaults; each scheduler's own options only with it.
   */
  static final class LrOptions {
    @Option(
        names = "--lr-scheduler",
        paramLabel = "NAME",
        description =
            "step (StepLR), cosine (CosineAnnealingLR), plateau (ReduceLROnPlateau on "
                + "the validation loss) or linear (LinearLR, a warm-up) (default: none).")
    String scheduler;

    @Option(
        names = "--step-size",
        paramLabel = "N",
        description = "step: epochs between decays (required).")
    Integer stepSize;

    @Option(
        names = "--gamma",
        paramLabel = "G",
        description = "step: the decay's factor (default: 0.1).")
    Double gamma;

    @Option(
        names = "--t-max",
        paramLabel = "N",
        description = "cosine: epochs from the initial lr down to --eta-min (default: --epochs).")
    Integer tMax;

    @Option(
        names = "--eta-min",
        paramLabel = "LR",
        description = "cosine: the lowest lr (default: 0).")
    Double etaMin;

    @Option(
        names = "--start-factor",
        paramLabel = "F",
        description = "linear: the lr's factor in the first epoch (default: 1/3).")
    Double startFactor;

    @Option(
        names = "--end-factor",
        paramLabel = "F",
        description = "linear: the factor after --total-iters epochs (default: 1.0).")
    Double endFactor;

    @Option(
        names = "--total-iters",
        paramLabel = "N",
        description = "linear: epochs from --start-factor to --end-factor (default: 5).")
    Integer totalIters;

    @Option(
        names = "--factor",
        paramLabel = "F",
        description = "plateau: the lr's factor at a reduction (default: 0.1).")
    Double factor;

    @Option(
        names = "--patience",
        paramLabel = "N",
        description = "plateau: epochs without improvement before a reduction (default: 10).")
    Integer patience;

    @Option(
        names = "--threshold",
        paramLabel = "X",
        description = "plateau: the improvement that counts, relative (default: 1e-4).")
    Double threshold;

    @Option(
        names = "--threshold-mode",
        paramLabel = "MODE",
        description = "plateau: rel or abs (default: rel).")
    String thresholdMode;

    @Option(
        names = "--cooldown",
        paramLabel = "N",
        description = "plateau: epochs after a reduction without counting (default: 0).")
    Integer cooldown;

    @Option(
        names = "--min-lr",
        paramLabel = "LR",
        description = "plateau: the lowest lr (default: 0).")
    Double minLr;

    @Option(
        names = "--early-stopping-patience",
        paramLabel = "N",
        description =
            "Stops after N epochs in a row whose validation loss did not improve by more "
                + "than --min-delta (default: no early stopping).")
    Integer earlyStoppingPatience;

    @Option(
        names = "--min-delta",
        paramLabel = "X",
        description = "The validation loss's smallest improvement that counts (default: 0).")
    Double minDelta;

    @Option(
        names = "--restore-best-weights",
        description =
            "Ends the run with the weights of its lowest validation loss (needs "
                + "--early-stopping-patience; the checkpoint keeps them too).")
    boolean restoreBestWeights;

    private static final List<String> SCHEDULERS = List.of("step", "cosine", "linear", "plateau");

    /** The scheduler the options describe, or null; {@code epochs} is T_max's default. */
    SchedulerConfig scheduler(int epochs) {
      if (scheduler != null && !SCHEDULERS.contains(scheduler)) {
        throw new IllegalArgumentException(
            "Invalid value for option '--lr-scheduler': "
                + "expected step, cosine, plateau or linear, got '"
                + scheduler
                + "'");
      }
      refuseOthers(scheduler);
      if (scheduler == null) {
        return null;
      }
      switch (scheduler) {
        case "step" -> {
          if (stepSize == null) {
            throw new IllegalArgumentException(
                "--lr-scheduler step needs --step-size (StepLR's step_size has no default)");
          }
          return new SchedulerConfig.Step(stepSize, or(gamma, 0.1));
        }
        case "cosine" -> {
          return new SchedulerConfig.CosineAnnealing(or(tMax, epochs), or(etaMin, 0.0));
        }
        case "linear" -> {
          SchedulerConfig.Linear d = (SchedulerConfig.Linear) SchedulerConfig.linearLr();
          return new SchedulerConfig.Linear(
              or(startFactor, d.startFactor()),
              or(endFactor, d.endFactor()),
              or(totalIters, d.totalIters()));
        }
        default -> {
          SchedulerConfig.ReduceOnPlateau d =
              (SchedulerConfig.ReduceOnPlateau) SchedulerConfig.reduceLrOnPlateau();
          return new SchedulerConfig.ReduceOnPlateau(
              "min",
              or(factor, d.factor()),
              or(patience, d.patience()),
              or(threshold, d.threshold()),
              or(thresholdMode, d.thresholdMode()),
              or(cooldown, d.cooldown()),
              or(minLr, d.minLr()),
              d.eps());
        }
      }
    }

    /** Early stopping as the options describe it, or null. */
    EarlyStoppingConfig earlyStopping() {
      if (earlyStoppingPatience == null) {
        if (minDelta != null || restoreBestWeights) {
          String given = minDelta != null ? "--min-delta" : "--restore-best-weights";
          throw new IllegalArgumentException(given + " needs --early-stopping-patience");
        }
        return null;
      }
      return new EarlyStoppingConfig(earlyStoppingPatience, or(minDelta, 0.0), restoreBestWeights);
    }

    /** Fails when an option of another scheduler than {@code name} (null: none) is given. */
    private void refuseOthers(String name) {
      Object[][] all = {
        {"--step-size", stepSize, "step"},
        {"--gamma", gamma, "step"},
        {"--t-max", tMax, "cosine"},
        {"--eta-min", etaMin, "cosine"},
        {"--start-factor", startFactor, "linear"},
        {"--end-factor", endFactor, "linear"},
        {"--total-iters", totalIters, "linear"},
        {"--factor", factor, "plateau"},
        {"--patience", patience, "plateau"},
        {"--threshold", threshold, "plateau"},
        {"--threshold-mode", thresholdMode, "plateau"},
        {"--cooldown", cooldown, "plateau"},
        {"--min-lr", minLr, "plateau"}
      };
      for (Object[] option : all) {
        if (option[1] != null && !option[2].equals(name)) {
          throw new IllegalArgumentException(
              String.format(
                  "%s is an argument of --lr-scheduler %s, got %s",
                  option[0],
                  option[2],
                  name == null ? "no --lr-scheduler" : "--lr-scheduler " + name));
        }
      }
    }

    private static <T> T or(T value, T fallback) {
      return value != null ? value : fallback;
    }
  }

  /** PyTorch's mode names in the command line's spelling. */
  static final class ModeConverter implements CommandLine.ITypeConverter<RnnMode> {
    @Override
    public RnnMode convert(String value) {
      return switch (value) {
        case "lstm" -> RnnMode.LSTM;
        case "gru" -> RnnMode.GRU;
        case "rnn-tanh" -> RnnMode.RNN_TANH;
        case "rnn-relu" -> RnnMode.RNN_RELU;
        default ->
            throw new CommandLine.TypeConversionException(
                "expected lstm, gru, rnn-tanh or rnn-relu, got '" + value + "'");
      };
    }
  }

  @Override
  public void run() {
    try {
      train();
    } catch (RuntimeException e) {
      // The failure's line goes to the same stream; it must not be appended to a half-drawn
      // progress line.
      if (progress != null) {
        progress.clear();
      }
      throw e;
    }
  }

  private void train() {
    if (resume == null) {
      // Not a usage error: one line, without the usage text, for the typo the user is to fix.
      checkSizeOptions();
    }
    if (resume != null
        ? TrainingFiles.isClassification("--resume", resume)
        : task.equals(ClassificationTraining.TASK)) {
      if (resume != null) {
        checkResumeOptions();
      }
      new ClassificationTraining(this, spec, data, schedule, out, resume, force, device)
          .run(p -> progress = p);
      return;
    }
    if (!task.equals("forecasting")) {
      throw new ParameterException(
          spec.commandLine(),
          "Invalid value for option '--task': expected forecasting or classification, got '"
              + task
              + "'");
    }
    ClassificationTraining.rejectOptions(
        spec, List.of("--id-column", "--label-column"), "forecasting");
    PrintWriter stdout = spec.commandLine().getOut();
    Checkpoint checkpoint = null;
    TrainingConfig config;
    Path dir;
    if (resume == null) {
      config = newConfig();
      dir = out != null ? out : Path.of("runs", "latest");
    } else {
      checkResumeOptions();
      checkpoint = TrainingFiles.readCheckpoint("--resume", resume);
      config = checkpoint.config();
      if (spec.commandLine().getParseResult().hasMatchedOption("--epochs")) {
        try {
          config = config.withEpochs(schedule.epochs);
        } catch (IllegalArgumentException e) {
          throw new ParameterException(spec.commandLine(), Failures.oneLine(e), e);
        }
      }
      dir = out != null ? out : resume.getParent() != null ? resume.getParent() : Path.of(".");
      DataConfig saved = config.data();
      config =
          config.withData(
              saved.withCsv(TrainingFiles.resumedCsv(data.csv, saved.csv(), saved.csvSha256())));
    }
    OutputPaths.checkFolder("--out", dir);
    RunFolder.check(dir, resume, force);
    Backend backend = device.select();
    // Read and split here, once, before the trainer: a bad CSV fails before anything is written,
    // and the header can give the sizes.
    TimeSeries series =
        TrainingFiles.readSeries(
            config.data(),
            null,
            resume == null || data.csv != null ? "--csv" : "the checkpoint's CSV");
    if (resume == null) {
      config =
          config.withData(
              config
                  .data()
                  .withCsvSha256(
                      TrainingFiles.contentSha256(
                          "--csv", config.data().csv(), config.data()::contentSha256)));
    }
    WindowDataset.Split split = config.data().split(series);
    MemoryEstimate.training(
            config.model(),
            config.optimizer(),
            DType.FLOAT32,
            config.batchSize(),
            config.data().window(),
            split.train().size(),
            backend.device())
        .checkFits(backend, p -> advice(p, "--window"));
    printHeader(stdout, config, series, split, backend, checkpoint);

    Path checkpointPath = dir.resolve(CHECKPOINT);
    EpochStats resumedBest =
        checkpoint == null
            ? null
            : checkpoint.history().stream()
                .min(Comparator.comparingDouble(EpochStats::validationLoss))
                .get();
    RunFolder folder =
        RunFolder.open(
            dir,
            resume,
            force,
            resumedBest == null ? Double.POSITIVE_INFINITY : resumedBest.validationLoss(),
            resumedBest == null ? 0 : resumedBest.epoch());
    // Under the run's lock: temporaries of a killed writer can go.
    TrainingFiles.prepareFolder(dir, resume);
    progress =
        new Progress(
            stdout, spec.commandLine().getErr(), System.console() != null, config.epochs());
    Trainer.Result result;
    try (Interruption interruption =
        Interruption.install(
            spec.commandLine().getErr(),
            progress,
            checkpointPath,
            resume,
            checkpoint == null ? 0 : checkpoint.epoch())) {
      Trainer.Listener listener =
          new Trainer.Listener() {
            @Override
            public void onStep(int epoch, int step, int steps, double runningLoss) {
              progress.onStep(epoch, step, steps, runningLoss);
            }

            @Override
            public void onEpoch(EpochStats stats) {
              folder.epochWritten(stats.epoch(), stats.validationLoss());
              progress.onEpoch(stats);
              interruption.epochWritten(stats.epoch());
            }
          };
      result =
          Trainer.train(
              config, split, checkpoint, checkpointPath, backend, interruption.steps(listener));
      interruption.finished();
    } catch (IOException e) {
      folder.close();
      throw new IllegalArgumentException(Failures.describe("--out", checkpointPath, e), e);
    } catch (RuntimeException e) {
      folder.close();
      throw e;
    }
    try {
      Path lossPng = dir.resolve(LOSS_PNG);
      Path forecastPng = dir.resolve(FORECAST_PNG);
      String written;
      try {
        drawLoss(lossPng, result.history());
        drawForecast(forecastPng, config, result);
        written = lossPng + ", " + forecastPng;
      } catch (Plots.UnavailableException e) {
        // The trained model is the run's result; a runtime that cannot draw must not turn it into a
        // failure.
        written = "no charts (see the warning above)";
        spec.commandLine()
            .getErr()
            .printf(
                "rnn4j train: warning: %s and %s not drawn: %s%n",
                LOSS_PNG, FORECAST_PNG, e.getMessage());
        spec.commandLine().getErr().flush();
      }
      if (result.earlyStopping() != null) {
        printEarlyStopping(stdout, config.earlyStopping(), result.earlyStopping());
      }
      printSummary(stdout, result.history(), checkpointPath, folder.best(), written);
    } finally {
      result.forecaster().model().close();
      folder.close();
    }
  }

  /** Everything but the run's length, its output and its device is the checkpoint's. */
  private void checkResumeOptions() {
    CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
    for (OptionSpec option : spec.options()) {
      if (parsed.hasMatchedOption(option) && !RESUME_OPTIONS.contains(option.longestName())) {
        throw new ParameterException(
            spec.commandLine(),
            String.format(
                "%s cannot be given with --resume: "
                    + "a resumed run keeps the checkpoint's model, data, optimizer and schedule (only --epochs, "
                    + "--out, --device and --csv may be given)",
                option.longestName()));
      }
    }
  }

  /** The configuration the options describe; an invalid value is a usage error. */
  private TrainingConfig newConfig() {
    try {
      // Absolute, so that the checkpoint's run can be resumed and predicted from any working
      // directory.
      DataConfig dataConfig =
          new DataConfig(
              data.csv == null ? null : data.csv.toAbsolutePath().toString(),
              data.columns,
              data.window,
              data.horizon,
              data.stride,
              data.validationFraction,
              !data.noNormalize,
              !data.noAnchor);
      return TrainingConfig.forData(dataConfig, rnnConfig(data.columns.size()))
          .withOptimizer(optimizerConfig())
          .withSchedule(schedule.epochs, schedule.batchSize, schedule.seed, schedule.clipNorm)
          .withAccumulateGradBatches(schedule.accumulateGradBatches)
          .withScheduler(lrOptions.scheduler(schedule.epochs))
          .withEarlyStopping(lrOptions.earlyStopping());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), Failures.oneLine(e), e);
    }
  }

  /**
   * The bounds of {@link SizeLimits} on the size options: a typo such as {@code --num-layers
   * 100000} is refused in PyTorch's words before anything is sized from it.
   */
  private void checkSizeOptions() {
    SizeLimits.checkAtMost("--hidden-size", model.hiddenSize, SizeLimits.MAX_FEATURES);
    SizeLimits.checkAtMost("--num-layers", model.numLayers, SizeLimits.MAX_NUM_LAYERS);
    SizeLimits.checkAtMost("--proj-size", model.projSize, SizeLimits.MAX_FEATURES);
    SizeLimits.checkAtMost("--batch-size", schedule.batchSize, SizeLimits.MAX_BATCH_SIZE);
    SizeLimits.checkAtMost("--window", data.window, SizeLimits.MAX_SEQUENCE_LENGTH);
    SizeLimits.checkAtMost("--horizon", data.horizon, SizeLimits.MAX_SEQUENCE_LENGTH);
    SizeLimits.checkAtMost("--stride", data.stride, SizeLimits.MAX_SEQUENCE_LENGTH);
  }

  /**
   * What to lower when {@code part} of a training run's memory does not fit, in the options' names;
   * {@code length} is the option that sets the sequence length ({@code --window}), or null when the
   * data sets it.
   */
  static String advice(MemoryEstimate.Part part, String length) {
    return switch (part) {
      case PARAMETERS, GRADIENTS, CHECKPOINT -> "lower --hidden-size or --num-layers";
      case OPTIMIZER_STATE -> "lower --hidden-size or --num-layers, or use --optimizer sgd";
      case ACTIVATIONS ->
          "lower --batch-size" + (length == null ? "" : ", " + length) + " or --hidden-size";
      case DATA ->
          length == null ? "use a smaller --csv" : "use a smaller --csv or a larger --stride";
    };
  }

  /**
   * The recurrent stack the model options describe, batch first, reading {@code inputSize}
   * features.
   */
  RnnConfig rnnConfig(int inputSize) {
    RnnConfig.Builder rnn =
        RnnConfig.builder(model.mode, inputSize, model.hiddenSize)
            .numLayers(model.numLayers)
            .bidirectional(model.bidirectional)
            .dropout(model.dropout)
            .batchFirst(true);
    if (model.projSize != 0) {
      rnn.projSize(model.projSize);
    }
    return rnn.build();
  }

  /** The optimizer the options describe. */
  OptimizerConfig optimizerConfig() {
    OptimizerConfig opt =
        switch (optimizer.type) {
          case OptimizerConfig.SGD -> OptimizerConfig.sgd(optimizer.lr);
          case OptimizerConfig.ADAM -> OptimizerConfig.adam(optimizer.lr);
          case OptimizerConfig.ADAMW -> OptimizerConfig.adamw(optimizer.lr);
          default ->
              throw new IllegalArgumentException(
                  "Invalid value for option '--optimizer': expected sgd, adam or adamw, got '"
                      + optimizer.type
                      + "'");
        };
    if (optimizer.momentum != null) {
      opt = opt.withMomentum(optimizer.momentum);
    }
    if (optimizer.weightDecay != null) {
      opt = opt.withWeightDecay(optimizer.weightDecay);
    }
    return opt;
  }

  private static void printHeader(
      PrintWriter out,
      TrainingConfig config,
      TimeSeries series,
      WindowDataset.Split split,
      Backend backend,
      Checkpoint checkpoint) {
    DataConfig d = config.data();
    out.println("model: " + config.model());
    out.printf(
        Locale.ROOT,
        "data: %s, %d rows of %s; window %d, horizon %d, stride %d%s%s: %d training "
            + "samples, %d validation samples (targets from row %d on)%n",
        series.source(),
        series.length(),
        String.join(", ", d.columns()),
        d.window(),
        d.horizon(),
        d.stride(),
        d.normalize() ? ", normalized" : "",
        d.anchored() ? ", anchored" : "",
        split.train().size(),
        split.validation().size(),
        split.boundary());
    EarlyStoppingConfig stopping = config.earlyStopping();
    out.printf(
        Locale.ROOT,
        "optimizer: %s%s%s; batch size %d%s, seed %d, %s%n",
        config.optimizer(),
        config.scheduler() == null ? "" : ", lr scheduler " + config.scheduler(),
        stopping == null
            ? ""
            : String.format(
                Locale.ROOT,
                "; early stopping after %d epochs without improvement by more than %s%s",
                stopping.patience(),
                PythonText.floatRepr(stopping.minDelta()),
                stopping.restoreBestWeights() ? ", best weights restored" : ""),
        config.batchSize(),
        config.accumulateGradBatches() == 1
            ? ""
            : String.format(
                Locale.ROOT,
                " (gradients of %d mini-batches per step)",
                config.accumulateGradBatches()),
        config.seed(),
        config.clipNorm() > 0
            ? "gradient norm clipped at " + config.clipNorm()
            : "no gradient clipping");
    out.println("device: " + backend.description());
    if (checkpoint != null) {
      EpochStats last = checkpoint.history().get(checkpoint.history().size() - 1);
      out.printf(
          Locale.ROOT,
          "resuming after epoch %d (val RMSE %s), up to epoch %d%n",
          checkpoint.epoch(),
          number(last.validationRmse()),
          config.epochs());
    }
    out.flush();
  }

  private static void printSummary(
      PrintWriter out, List<EpochStats> history, Path checkpoint, String bestFile, String charts) {
    EpochStats best =
        history.stream().min(Comparator.comparingDouble(EpochStats::validationRmse)).get();
    EpochStats last = history.get(history.size() - 1);
    boolean beats = last.validationRmse() < last.naiveRmse();
    out.printf(
        Locale.ROOT,
        "validation RMSE: best %s (epoch %d), final %s; naive forecast %s: the final "
            + "model %s%n",
        number(best.validationRmse()),
        best.epoch(),
        number(last.validationRmse()),
        number(last.naiveRmse()),
        beats
            ? String.format(
                Locale.ROOT,
                "beats the naive forecast (RMSE %.0f%% lower)",
                100 * (1 - last.validationRmse() / last.naiveRmse()))
            : "does not beat the naive forecast");
    out.printf("wrote %s (epoch %d), %s, %s%n", checkpoint, last.epoch(), bestFile, charts);
    out.flush();
  }

  private static void printEarlyStopping(
      PrintWriter out, EarlyStoppingConfig config, EarlyStopping.State state) {
    out.printf(
        Locale.ROOT,
        "early stopping: %s; best epoch %d (val loss %s)%s%n",
        state.stoppedEpoch() > 0
            ? String.format(
                Locale.ROOT,
                "stopped at epoch %d, the validation loss not improved by more than %s for %d"
                    + " epochs",
                state.stoppedEpoch(),
                PythonText.floatRepr(config.minDelta()),
                config.patience())
            : "did not stop",
        state.bestEpoch(),
        loss(state.bestLoss()),
        config.restoreBestWeights() ? ", its weights restored" : "");
  }

  /** An error: three decimals, or four significant digits when that would hide it or run long. */
  static String number(double x) {
    boolean fixed = x == 0 || (Math.abs(x) >= 0.1 && Math.abs(x) < 1e6) || !Double.isFinite(x);
    return String.format(Locale.ROOT, fixed ? "%.3f" : "%.4g", x);
  }

  /** A loss: six decimals, as long as that stays short and shows something. */
  static String loss(double x) {
    boolean fixed = x == 0 || (Math.abs(x) >= 1e-4 && Math.abs(x) < 1e6) || !Double.isFinite(x);
    return String.format(Locale.ROOT, fixed ? "%.6f" : "%.4e", x);
  }

  private static String epochLine(EpochStats s, int epochs) {
    int width = Integer.toString(epochs).length();
    return String.format(
        Locale.ROOT,
        "epoch %"
            + width
            + "d/%d  train loss %s  val loss %s  val RMSE %s "
            + "(naive %s)  MAE %s  MAPE %s%%",
        s.epoch(),
        epochs,
        loss(s.trainLoss()),
        loss(s.validationLoss()),
        number(s.validationRmse()),
        number(s.naiveRmse()),
        number(s.validationMae()),
        number(100 * s.validationMape()));
  }

  private static void drawLoss(Path png, List<EpochStats> history)
      throws Plots.UnavailableException {
    double[] epochs = history.stream().mapToDouble(EpochStats::epoch).toArray();
    double[] train = history.stream().mapToDouble(EpochStats::trainLoss).toArray();
    double[] validation = history.stream().mapToDouble(EpochStats::validationLoss).toArray();
    TrainingFiles.drawPng(
        png,
        () ->
            Plots.lines(
                png,
                "Loss per epoch",
                "epoch",
                "mean squared error (model units)",
                List.of(
                    new Plots.Line("training loss", epochs, train),
                    new Plots.Line("validation loss", epochs, validation))));
  }

  /**
   * The validation rows of the forecast column, with each validation sample's first forecast step
   * and the naive forecast of the same row (the value before it), at the row they forecast.
   */
  private static void drawForecast(Path png, TrainingConfig config, Trainer.Result result)
      throws Plots.UnavailableException {
    WindowDataset validation = result.split().validation();
    TimeSeries series = validation.series();
    String column = validation.targetColumns().get(0);
    int columnIndex = series.columnIndex(column);
    int per = validation.targetSize();
    Tensor model = result.forecaster().forecast(validation, config.batchSize());
    Tensor naive = Forecaster.naiveForecast(validation);
    // The shipped series has a date column; a user's CSV gets row numbers (its time column is
    // unknown).
    double[] time =
        config.data().csv() == null
            ? TimeSeries.defaultDataset(List.of("decimal_date")).column("decimal_date")
            : null;
    String xLabel = time == null ? "row" : "year";
    int n = validation.size();
    double[] xs = new double[n];
    double[] modelYs = new double[n];
    double[] naiveYs = new double[n];
    double modelSq = 0;
    double naiveSq = 0;
    for (int i = 0; i < n; i++) {
      int row = validation.start(i) + validation.window();
      double actual = series.get(row, columnIndex);
      xs[i] = time == null ? row : time[row];
      modelYs[i] = model.getFlat(i * per);
      naiveYs[i] = naive.getFlat(i * per);
      modelSq += (modelYs[i] - actual) * (modelYs[i] - actual);
      naiveSq += (naiveYs[i] - actual) * (naiveYs[i] - actual);
    }
    int from = result.split().boundary();
    double[] actualXs = new double[series.length() - from];
    double[] actualYs = new double[actualXs.length];
    for (int r = from; r < series.length(); r++) {
      actualXs[r - from] = time == null ? r : time[r];
      actualYs[r - from] = series.get(r, columnIndex);
    }
    String title =
        String.format(
            Locale.ROOT,
            "%s, validation part: one step ahead (RMSE model %s, naive %s)",
            column,
            number(Math.sqrt(modelSq / n)),
            number(Math.sqrt(naiveSq / n)));
    TrainingFiles.drawPng(
        png,
        () ->
            Plots.lines(
                png,
                title,
                xLabel,
                column,
                List.of(
                    new Plots.Line("actual", actualXs, actualYs),
                    new Plots.Line("naive (previous value)", xs, naiveYs),
                    new Plots.Line("model, 1 step ahead", xs, modelYs))));
  }

  /**
   * One line per epoch on stdout, and while an epoch runs a progress bar on stderr, redrawn in
   * place; the bar only on a terminal, so that logs and captured output hold the epoch lines alone.
   */
  static final class Progress implements Trainer.Listener {
    private static final int BAR = 30;
    private static final long REDRAW_NANOS = 100_000_000L;
    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean bar;
    private final int epochs;
    private int drawn; // characters of the bar now on the screen
    private long lastDraw;

    Progress(PrintWriter out, PrintWriter err, boolean bar, int epochs) {
      this.out = out;
      this.err = err;
      this.bar = bar;
      this.epochs = epochs;
    }

    @Override
    public void onStep(int epoch, int step, int steps, double runningLoss) {
      long now = System.nanoTime();
      if (!bar || (step < steps && drawn > 0 && now - lastDraw < REDRAW_NANOS)) {
        return;
      }
      lastDraw = now;
      int done = (int) ((long) BAR * step / steps);
      int width = Integer.toString(epochs).length();
      String line =
          String.format(
              Locale.ROOT,
              "epoch %" + width + "d/%d [%s%s] %d/%d  loss %s",
              epoch,
              epochs,
              "=".repeat(done),
              " ".repeat(BAR - done),
              step,
              steps,
              loss(runningLoss));
      err.print("\r" + line + " ".repeat(Math.max(0, drawn - line.length())));
      err.flush();
      drawn = line.length();
    }

    @Override
    public void onEpoch(EpochStats stats) {
      printLine(epochLine(stats, epochs));
    }

    /** An epoch's line on stdout, in place of the bar. */
    void printLine(String line) {
      clear();
      out.println(line);
      out.flush();
    }

    void clear() {
      if (drawn > 0) {
        err.print("\r" + " ".repeat(drawn) + "\r");
        err.flush();
        drawn = 0;
      }
    }
  }
}
