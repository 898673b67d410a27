package dev.rnn4j.spark;

import static dev.rnn4j.internal.Checks.checkArgument;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.DType;
import dev.rnn4j.io.ModelFiles;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.EpochStats;
import dev.rnn4j.train.Forecaster;
import dev.rnn4j.train.Normalization;
import dev.rnn4j.train.TimeSeries;
import dev.rnn4j.train.Trainer;
import dev.rnn4j.train.TrainingConfig;
import dev.rnn4j.train.WindowDataset;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;
import scala.reflect.ClassTag$;

/**
 * Synchronous data-parallel training of a forecaster on a Spark cluster: {@link Trainer}'s run,
 * with each step's gradient computed by the cluster.
 *
 * <p>Each step, the driver broadcasts the current weights (as checkpoint bytes) and splits the
 * step's mini-batch (the samples {@link Trainer} would take, in its order) into {@code partitions}
 * contiguous shares. One Spark task per share rebuilds the model from the bytes, computes its
 * share's part of the mini-batch's mean loss and the gradient of that part ({@link
 * Forecaster#shareGradient}) on the device its {@code device} resolves to (the task's GPU, or the
 * CPU); executors sum groups of shares and the driver sums the groups, every addition in share
 * order, so the sum's bits do not depend on which task finishes first (see {@code treeSum}). The
 * driver then clips the sum, steps the optimizer, validates after each epoch and writes a
 * checkpoint after each epoch, all as {@link Trainer} does. The series travels once, as a
 * broadcast; each task reads only its share's windows of it.
 *
 * <p>With {@link TrainingConfig#accumulateGradBatches} k above 1, a step takes k mini-batches: each
 * share is its slice of each of them, which its task runs one after the other and adds up, so the
 * tasks still meet once per step, now once per k mini-batches.
 *
 * <p>Because the shares together are the single-process mini-batch and the loss is one mean over
 * it, a run equals {@link Trainer}'s with the same configuration and dtype up to the order of
 * floating-point sums (in float64 the tests find the weights within 1.1e-16 after two epochs, and
 * assert 1e-15), and a task that Spark retries recomputes the same part from the same broadcast: a
 * run with retries equals one without, bit for bit. Dropout is the exception: its masks are drawn
 * per share (seeded by seed, epoch, step and share), so a model with dropout trains as well but not
 * identically.
 *
 * <pre>{@code
 * Trainer.Result r = SparkTrainer.on(spark).partitions(8)
 *     .train(TrainingConfig.defaults(), TimeSeries.defaultDataset(), null, Path.of("ckpt.safetensors"));
 * }</pre>
 *
 * <p>{@link #barrier(boolean) Barrier mode} runs the same loop in long-lived tasks instead, one
 * Spark stage for the whole fit, with the same result.
 *
 * <p>An immutable value: the with-style methods return copies.
 */
public final class SparkTrainer {
  // local, local[N], local[*], local[N,F]: the task threads of local mode.
  private static final Pattern LOCAL_MASTER =
      Pattern.compile("local(?:\\[(\\*|\\d+)(?:,\\s*\\d+)?\\])?");
  private static final Logger LOG = LoggerFactory.getLogger(SparkTrainer.class);
  private final SparkSession spark;
  private final int partitions;
  private final DType dtype;
  private final String device;
  private final Trainer.Listener listener;
  private final boolean barrier;
  private final BarrierFit.EpochHook hook;
  private final String bestCheckpoint;

  private SparkTrainer(
      SparkSession spark,
      int partitions,
      DType dtype,
      String device,
      Trainer.Listener listener,
      boolean barrier,
      BarrierFit.EpochHook hook,
      String bestCheckpoint) {
    this.spark = spark;
    this.partitions = partitions;
    this.dtype = dtype;
    this.device = device;
    this.listener = listener;
    this.barrier = barrier;
    this.hook = hook;
    this.bestCheckpoint = bestCheckpoint;
  }

  /**
   * A trainer on {@code spark}'s cluster: as many shares per step as the context's default
   * parallelism, float32, device {@code auto}, no progress listener.
   */
  public static SparkTrainer on(SparkSession spark) {
    Objects.requireNonNull(spark, "spark");
    return new SparkTrainer(
        spark,
        spark.sparkContext().defaultParallelism(),
        DType.FLOAT32,
        "auto",
        Trainer.Listener.SILENT,
        false,
        null,
        null);
  }

  /**
   * Shares (Spark tasks) per step, at least 1; a mini-batch smaller than this has one share per
   * sample.
   */
  public SparkTrainer partitions(int partitions) {
    checkArgument(partitions >= 1, "partitions must be at least 1, got %d", partitions);
    return new SparkTrainer(
        spark, partitions, dtype, device, listener, barrier, hook, bestCheckpoint);
  }

  /** The parameters' dtype (the data stay float32); float64 for parity checks. */
  public SparkTrainer dtype(DType dtype) {
    return new SparkTrainer(
        spark,
        partitions,
        Objects.requireNonNull(dtype, "dtype"),
        device,
        listener,
        barrier,
        hook,
        bestCheckpoint);
  }

  /** Where the tasks compute: {@code auto}, {@code cpu}, {@code cuda} or {@code cuda:N}. */
  public SparkTrainer device(String device) {
    checkArgument(
        device != null && (device.equals("auto") || RnnScorer.validDevice(device)),
        "device must be one of auto, cpu, cuda, cuda:N, got '%s'",
        device);
    return new SparkTrainer(
        spark, partitions, dtype, device, listener, barrier, hook, bestCheckpoint);
  }

  /**
   * Progress, called on the driver. In barrier mode the driver hears of the epochs when the fit
   * ends (one {@code onEpoch} per epoch this run trained, in order) and of no step: the loop runs
   * in the tasks.
   */
  public SparkTrainer listener(Trainer.Listener listener) {
    return new SparkTrainer(
        spark,
        partitions,
        dtype,
        device,
        Objects.requireNonNull(listener, "listener"),
        barrier,
        hook,
        bestCheckpoint);
  }

  /**
   * Barrier mode ({@code true}) or a Spark job per step ({@code false}, the default). In barrier
   * mode the fit is one barrier stage of {@code partitions} long-lived tasks, all running at once
   * (the cluster needs that many free task slots): each runs {@link Trainer}'s loop with its own
   * model and optimizer, computes its share of every step's mini-batch and sends it to task 0 over
   * a socket, which adds the shares in share order, as the job-per-step mode does, and sends the
   * sum back to every task: both modes give the same weights. The tasks' hosts must reach each
   * other on an ephemeral port. Task 0 writes the checkpoint after each epoch through Hadoop's
   * {@code FileSystem}, with the session's Hadoop configuration (see {@link #train(TrainingConfig,
   * TimeSeries, Checkpoint, String)}): a URI that every executor can read and task 0's can write
   * ({@code hdfs:}, {@code s3a:}, a {@code file:} path on a shared file system, or the driver's
   * disk in local mode). If a task fails, Spark runs the stage again and its tasks resume from the
   * last checkpoint this fit wrote.
   */
  public SparkTrainer barrier(boolean barrier) {
    return new SparkTrainer(
        spark, partitions, dtype, device, listener, barrier, hook, bestCheckpoint);
  }

  /**
   * Keeps the checkpoint of the best epoch at {@code uri} (any Hadoop URI, as the checkpoint's; a
   * relative path is resolved against its file system's working directory on the driver), as {@code
   * rnn4j train} keeps {@code best.safetensors}: after each epoch whose validation loss is lower
   * than every earlier epoch's of the run (a tie keeps the earlier epoch), that epoch's checkpoint
   * is written to {@code uri} through a temporary file in the same folder and a rename, as the
   * checkpoint is, in either mode (in barrier mode by task 0, after the checkpoint). A resumed run
   * compares its epochs with the epoch whose checkpoint {@code uri} holds, if that is an epoch of
   * the resumed checkpoint's history that no later one beats; else the best of its own epochs is
   * kept. {@code train} refuses a {@code uri} that names the checkpoint itself.
   */
  public SparkTrainer bestCheckpoint(String uri) {
    return new SparkTrainer(
        spark,
        partitions,
        dtype,
        device,
        listener,
        barrier,
        hook,
        Objects.requireNonNull(uri, "uri"));
  }

  /** Called in every barrier task after each epoch: tests fail a task there on purpose. */
  SparkTrainer afterEpoch(BarrierFit.EpochHook hook) {
    return new SparkTrainer(
        spark,
        partitions,
        dtype,
        device,
        listener,
        barrier,
        Objects.requireNonNull(hook, "hook"),
        bestCheckpoint);
  }

  /**
   * Trains on {@code series} up to {@code config.epochs()}, writing {@code checkpoint} (a path on
   * the driver) after every epoch. {@code config.data()} says how {@code series} is cut; its {@code
   * csv} is not read. Validation runs on the driver's CPU. A barrier fit writes {@code checkpoint}
   * as the URI {@code file:} and its absolute path ({@link #train(TrainingConfig, TimeSeries,
   * Checkpoint, String)}); a {@link #bestCheckpoint} is written through Hadoop in either mode.
   *
   * @param resume the checkpoint to continue from, or null; as for {@link Trainer}
   * @throws dev.rnn4j.train.TrainingDivergedException when a loss is not finite
   */
  public Trainer.Result train(
      TrainingConfig config, TimeSeries series, Checkpoint resume, Path checkpoint)
      throws IOException {
    String uri = "file:" + checkpoint.toAbsolutePath();
    if (barrier) {
      // Task 0 writes where it runs, through Hadoop, whichever overload the caller chose.
      return train(config, series, resume, uri);
    }
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    String best = bestTarget(HadoopFiles.qualify(uri, conf), conf);
    Trainer.Listener next =
        best == null
            ? listener
            : BestCheckpoint.resuming(best, conf, resume).keeping(checkpoint, listener);
    return trainOnJobs(config, series, resume, checkpoint, next);
  }

  /**
   * As {@link #train(TrainingConfig, TimeSeries, Checkpoint, Path)}, with {@code checkpoint} on any
   * Hadoop file system ({@code file:}, {@code hdfs:}, {@code s3a:}, ...; a relative path is
   * resolved against its file system's working directory on the driver), read and written with the
   * session's Hadoop configuration, so that executors can score with it where they run. The
   * checkpoint is trained into a temporary local file (on the driver; in barrier mode, in task 0)
   * and, after every epoch, written to {@code checkpoint} through a temporary file in the same
   * folder and a rename: atomic on HDFS and local file systems, not on object stores, whose rename
   * is a copy. The temporary files are removed however the run ends.
   *
   * @param resume the checkpoint to continue from, or null (see {@link #readCheckpoint})
   */
  public Trainer.Result train(
      TrainingConfig config, TimeSeries series, Checkpoint resume, String checkpoint)
      throws IOException {
    if (barrier) {
      checkLocalSlots();
    }
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    String target = HadoopFiles.qualify(Objects.requireNonNull(checkpoint, "checkpoint"), conf);
    HadoopFiles.checkWritable("checkpoint", target, conf);
    String best = bestTarget(target, conf);
    if (barrier) {
      return withSeries(
          config,
          series,
          (jsc, data, split) ->
              trainInBarrier(jsc, data, config, split, resume, target, best, conf));
    }
    try (HadoopFiles.LocalCheckpoint local = HadoopFiles.LocalCheckpoint.create("rnn4j-spark-")) {
      Trainer.Listener next =
          best == null
              ? listener
              : BestCheckpoint.resuming(best, conf, resume).keeping(local.file(), listener);
      return trainOnJobs(config, series, resume, local.file(), local.copyingTo(target, conf, next));
    }
  }

  /**
   * A barrier stage runs its {@code partitions} tasks at once, and Spark retries a stage that
   * cannot have that many slots 40 times, 15 s apart, before it fails. In local mode the slots are
   * known on the driver (the master's threads over {@code spark.task.cpus}), so too many partitions
   * are refused at once; on a cluster, executors may still be starting, and Spark's wait stands.
   */
  private void checkLocalSlots() {
    SparkContext sc = spark.sparkContext();
    Matcher local = LOCAL_MASTER.matcher(sc.master());
    if (!local.matches()) {
      return;
    }
    String threads = local.group(1);
    int cores =
        threads == null
            ? 1
            : threads.equals("*")
                ? Runtime.getRuntime().availableProcessors()
                : Integer.parseInt(threads);
    int slots = Math.max(1, cores / sc.getConf().getInt("spark.task.cpus", 1));
    checkArgument(
        partitions <= slots,
        "partitions must be at most the task slots of %s in barrier mode (a barrier stage runs its"
            + " tasks at once). Expected <= %d, got %d",
        sc.master(),
        slots,
        partitions);
  }

  /**
   * {@link #bestCheckpoint} qualified, or null if unset.
   *
   * @param checkpoint the checkpoint's qualified URI, which it must not name
   */
  private String bestTarget(String checkpoint, Configuration conf) throws IOException {
    if (bestCheckpoint == null) {
      return null;
    }
    String best = HadoopFiles.qualify(bestCheckpoint, conf);
    checkArgument(
        !best.equals(checkpoint),
        "bestCheckpoint must name a file other than the checkpoint. Expected a URI other than %s,"
            + " got %s",
        checkpoint,
        best);
    HadoopFiles.checkWritable("bestCheckpoint", best, conf);
    return best;
  }

  /** The job-per-step fit, writing {@code checkpoint} on the driver, telling {@code listener}. */
  private Trainer.Result trainOnJobs(
      TrainingConfig config,
      TimeSeries series,
      Checkpoint resume,
      Path checkpoint,
      Trainer.Listener listener)
      throws IOException {
    return withSeries(
        config,
        series,
        (jsc, data, split) ->
            Trainer.train(
                config,
                split,
                resume,
                checkpoint,
                Backends.cpu(),
                dtype,
                new ClusterGradients(jsc, data, config, split.normalization(), partitions, device),
                listener));
  }

  /** A fit of either mode, given the series split and broadcast; the broadcast ends with it. */
  private interface Fit {
    Trainer.Result run(JavaSparkContext jsc, Broadcast<SeriesData> data, WindowDataset.Split split)
        throws IOException;
  }

  private Trainer.Result withSeries(TrainingConfig config, TimeSeries series, Fit fit)
      throws IOException {
    WindowDataset.Split split = config.data().split(series);
    if (config.model().rnn().dropout() > 0 && config.model().rnn().numLayers() > 1) {
      LOG.warn(
          "dropout {} on Spark: masks are drawn per share, so this run will not equal a"
              + " single-process run bit for bit",
          config.model().rnn().dropout());
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<SeriesData> data = jsc.broadcast(SeriesData.of(series));
    try {
      return fit.run(jsc, data, split);
    } finally {
      data.destroy();
    }
  }

  /**
   * The checkpoint at {@code path} on any Hadoop file system, read with {@code spark}'s Hadoop
   * configuration: to resume {@link #train(TrainingConfig, TimeSeries, Checkpoint, String)} from.
   *
   * @throws IllegalArgumentException if it is not a readable checkpoint, naming the path
   */
  public static Checkpoint readCheckpoint(String path, SparkSession spark) throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    String qualified = HadoopFiles.qualify(path, conf);
    return Checkpoint.parse(HadoopFiles.read(qualified, conf), qualified);
  }

  /**
   * Writes {@code checkpoint}'s model into the folder {@code dirUri} on any Hadoop file system (a
   * relative path is resolved against its file system's working directory on the driver), with
   * {@code spark}'s Hadoop configuration: the files {@code rnn4j export} writes, byte for byte,
   * {@code model.json} and {@code weights.safetensors} ({@link ModelFiles}), which PyTorch loads.
   * The weights are the checkpoint's last ({@link Checkpoint#weights()}), as {@code rnn4j export}
   * takes them; export the checkpoint {@link #bestCheckpoint} keeps for the best epoch's. Each file
   * is written through a temporary file in the folder and a rename ({@code train}'s checkpoint
   * explains when that is atomic), replacing an earlier one; the folder is created if missing. If a
   * file cannot be written, the files this call wrote are removed.
   *
   * @param checkpoint the checkpoint, say {@link #readCheckpoint}'s
   * @param dirUri the folder, say {@code hdfs:///models/co2}
   * @param spark the session whose Hadoop configuration reaches {@code dirUri}
   * @throws IOException if a file cannot be written (with, suppressed, any failure to remove what
   *     was written)
   */
  public static void exportModel(Checkpoint checkpoint, String dirUri, SparkSession spark)
      throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    String dir = HadoopFiles.qualify(Objects.requireNonNull(dirUri, "dirUri"), conf);
    Map<String, byte[]> files;
    // Built on the CPU only to be written: its parameters, no pass.
    try (SequenceModel model =
        SequenceModel.fromStateDict(checkpoint.config().model(), checkpoint.weights())) {
      files = ModelFiles.contents(model);
    }
    List<String> written = new ArrayList<>();
    try {
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        String path = HadoopFiles.child(dir, file.getKey());
        HadoopFiles.writeAtomically(file.getValue(), path, conf);
        written.add(path);
      }
    } catch (IOException e) {
      // Each file was written whole, but weights without their model.json (or the reverse) are of
      // no use: a failed export leaves none of its files, as rnn4j export does.
      for (String path : written) {
        try {
          HadoopFiles.deleteIfExists(path, conf);
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  /**
   * The fit as one barrier stage ({@link BarrierFit}) writing {@code target}, a qualified URI, and
   * {@code best}, the qualified {@link #bestCheckpoint} or null; the result is the last checkpoint
   * there, read through Hadoop.
   */
  private Trainer.Result trainInBarrier(
      JavaSparkContext jsc,
      Broadcast<SeriesData> data,
      TrainingConfig config,
      WindowDataset.Split split,
      Checkpoint resume,
      String target,
      String best,
      Configuration conf)
      throws IOException {
    int start = 0;
    if (resume != null) {
      // Here, once: in the tasks, a bad checkpoint would fail every rerun of the stage.
      Trainer.checkResumable(config, resume, split.normalization());
      start = resume.epoch();
    }
    byte[] setup;
    try (SequenceModel initial = SequenceModel.create(config.model(), config.seed())) {
      setup =
          new Checkpoint(
                  config,
                  split.normalization(),
                  initial.stateDict(),
                  StateDict.of(Map.of()),
                  0,
                  List.of())
              .toByteArray();
    }
    BarrierFit fit =
        new BarrierFit(
            data,
            setup,
            resume == null ? null : resume.toByteArray(),
            target,
            BarrierFit.sha256(HadoopFiles.readIfExists(target, conf)),
            best,
            conf,
            dtype,
            device,
            hook);
    List<Integer> indices = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      indices.add(p);
    }
    // The shuffle behind the barrier stage makes it a map stage: Spark reruns a failed barrier map
    // stage, but aborts the job when a barrier result stage fails.
    jsc.parallelize(indices, partitions)
        .rdd()
        .barrier()
        .mapPartitions(fit, false, ClassTag$.MODULE$.apply(Integer.class))
        .toJavaRDD()
        .repartition(1)
        .count();
    Checkpoint end = Checkpoint.parse(HadoopFiles.read(target, conf), target);
    StateDict weights = end.bestWeights() != null ? end.bestWeights() : end.weights();
    SequenceModel model =
        SequenceModel.fromStateDict(config.model(), weights).to(dtype).to(Backends.cpu());
    List<EpochStats> history = end.history();
    for (EpochStats stats : history.subList(Math.min(start, history.size()), history.size())) {
      listener.onEpoch(stats);
    }
    return new Trainer.Result(
        new Forecaster(model, config.data().anchored()), split, history, end.earlyStopping());
  }

  /** The series as it travels to executors. */
  record SeriesData(ArrayList<String> columns, double[][] rows) implements Serializable {
    static SeriesData of(TimeSeries series) {
      double[][] rows = new double[series.length()][series.numColumns()];
      for (int t = 0; t < rows.length; t++) {
        for (int j = 0; j < rows[t].length; j++) {
          rows[t][j] = series.get(t, j);
        }
      }
      return new SeriesData(new ArrayList<>(series.columns()), rows);
    }

    TimeSeries toSeries() {
      return TimeSeries.of(columns, rows);
    }
  }

  /** One task's share of a step: its part of each of the step's mini-batches. */
  private record Share(int index, int[][] parts) implements Serializable {}

  /** Gradients of one step, computed by the cluster. Lives on the driver. */
  private static final class ClusterGradients implements Trainer.StepGradients {
    private final JavaSparkContext jsc;
    private final Broadcast<SeriesData> data;
    private final TrainingConfig config;
    private final Normalization normalization;
    private final int partitions;
    private final String device;

    ClusterGradients(
        JavaSparkContext jsc,
        Broadcast<SeriesData> data,
        TrainingConfig config,
        Normalization normalization,
        int partitions,
        String device) {
      this.jsc = jsc;
      this.data = data;
      this.config = config;
      this.normalization = normalization;
      this.partitions = partitions;
      this.device = device;
    }

    @Override
    public Trainer.StepGradient compute(
        Forecaster forecaster, WindowDataset train, int epoch, int step, int[][] batches) {
      StateDict params = forecaster.model().stateDict();
      // The weights travel with the configuration and statistics, in the one format rnn4j already
      // verifies.
      byte[] weights =
          new Checkpoint(
                  config, normalization, params, StateDict.of(Map.of()), epoch - 1, List.of())
              .toByteArray();
      Broadcast<byte[]> broadcast = jsc.broadcast(weights);
      try {
        int n = Partial.samples(batches);
        int shares = Partial.shares(batches, partitions);
        List<Share> list = new ArrayList<>(shares);
        for (int p = 0; p < shares; p++) {
          list.add(new Share(p, Partial.parts(batches, p, shares)));
        }
        ArrayList<String> names = new ArrayList<>(params.asMap().keySet());
        ShareTask task = new ShareTask(data, broadcast, names, n, epoch, step, device);
        return treeSum(jsc.parallelize(list, shares).map(task), shares).stepGradient(n, params);
      } finally {
        broadcast.destroy();
      }
    }
  }

  /**
   * The sum of the shares' parts as a two-level tree: executors add groups of about sqrt(shares)
   * consecutive shares, and the driver adds the groups' sums, so the driver receives sqrt(shares)
   * vectors rather than one per share. Each addition runs in share order. Spark's own {@code
   * treeAggregate} merges parts in the order tasks finish, which moves the last bits of a
   * floating-point sum from run to run; here the bits depend on nothing Spark schedules, so a
   * retried task or a resumed run changes nothing.
   */
  private static Partial treeSum(JavaRDD<Partial> parts, int shares) {
    int groups = Partial.groups(shares);
    List<Tuple2<Integer, Partial>> sums =
        parts
            .mapToPair(p -> new Tuple2<>(Partial.group(p.share(), groups, shares), p))
            .groupByKey(groups)
            .mapValues(Partial::sum)
            .collect();
    List<Partial> inOrder = new ArrayList<>();
    sums.stream().sorted(Comparator.comparing(Tuple2::_1)).forEach(t -> inOrder.add(t._2()));
    return Partial.sum(inOrder);
  }

  /** What a task computes for its share; a pure function of the broadcasts and the share. */
  private static final class ShareTask implements Function<Share, Partial> {
    private static final long serialVersionUID = 1L;
    private final Broadcast<SeriesData> data;
    private final Broadcast<byte[]> weights;
    private final ArrayList<String> names;
    private final int batchSize;
    private final int epoch;
    private final int step;
    private final String device;

    /**
     * @param names the driver's parameter names, in its order: the gradients are flattened in this
     *     order, whatever order the checkpoint's bytes hold them in
     */
    ShareTask(
        Broadcast<SeriesData> data,
        Broadcast<byte[]> weights,
        ArrayList<String> names,
        int batchSize,
        int epoch,
        int step,
        String device) {
      this.data = data;
      this.weights = weights;
      this.names = names;
      this.batchSize = batchSize;
      this.epoch = epoch;
      this.step = step;
      this.device = device;
    }

    @Override
    public Partial call(Share share) {
      Checkpoint ckpt =
          Checkpoint.parse(
              weights.value(), "SparkTrainer's weights of epoch " + epoch + ", step " + step);
      TrainingConfig config = ckpt.config();
      Backend backend = ExecutorDevice.backend(ExecutorDevice.forCurrentTask(device));
      Forecaster.ShareGradient g =
          DeviceWorkers.run(
              backend.device().toString(),
              () -> {
                WindowDataset train = config.data().split(data.value().toSeries()).train();
                try (SequenceModel model =
                    SequenceModel.fromStateDict(config.model(), ckpt.weights())) {
                  model.to(backend).train();
                  model.manualSeed(Trainer.shareSeed(config.seed(), epoch, step, share.index()));
                  return new Forecaster(model, config.data().anchored())
                      .shareGradient(train, share.parts(), batchSize);
                }
              });
      return Partial.of(share.index(), names, g);
    }
  }
}
