package dev.rnn4j.spark;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.DType;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.EpochStats;
import dev.rnn4j.train.Forecaster;
import dev.rnn4j.train.Trainer;
import dev.rnn4j.train.TrainingConfig;
import dev.rnn4j.train.WindowDataset;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.SerializableConfiguration;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;

/**
 * One task of {@link SparkTrainer}'s barrier mode: a whole fit in one long-lived task per
 * partition. Each task runs {@link Trainer#train} itself on its executor, with its own model and
 * optimizer and the series in memory; every step each task computes the gradient of its share of
 * the mini-batch ({@link Forecaster#shareGradient}) and sends it to task 0 ({@link
 * GradientExchange}), which adds the shares in share order as the job-per-step mode does ({@link
 * Partial#treeSum}) and sends the sum back, so every task applies the identical update. Every task
 * trains into a local temporary file, which it deletes; after each epoch, partition 0 writes its
 * file to the checkpoint's URI through Hadoop's {@code FileSystem} ({@link
 * HadoopFiles#writeAtomically}), then, if the epoch is the best so far, to the best checkpoint's
 * ({@link BestCheckpoint}).
 *
 * <p>A failed task fails the barrier stage and Spark runs all its tasks again: each task then reads
 * the checkpoint through Hadoop and resumes from it if this fit wrote it (recognized by a content
 * hash different from the file's before the fit), else from the caller's {@code resume}; the tasks
 * check that they all resume from the same epoch.
 */
final class BarrierFit extends AbstractFunction1<Iterator<Integer>, Iterator<Integer>>
    implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Called in each task after each epoch and its checkpoint: tests inject a task failure here. */
  interface EpochHook extends Serializable {
    /**
     * After {@code epoch} of the stage's attempt {@code stageAttempt}, in task {@code partition}.
     */
    void afterEpoch(int partition, int stageAttempt, int epoch);
  }

  private final Broadcast<SparkTrainer.SeriesData> data;
  private final byte[] setup;
  private final byte[] resume;
  private final String checkpoint;
  private final String before;
  private final String best;
  private final SerializableConfiguration hadoop;
  private final DType dtype;
  private final String device;
  private final EpochHook hook;

  /**
   * @param setup the run's configuration, as the bytes of a checkpoint that holds it
   *     (configurations are not {@code Serializable}; the checkpoint format is the one rnn4j
   *     already writes and verifies)
   * @param resume the caller's checkpoint to continue from, as bytes, or null
   * @param checkpoint where partition 0 writes, a qualified Hadoop URI that every task can read
   * @param before the SHA-256 of {@code checkpoint}'s content before the fit, or null if it did not
   *     exist
   * @param best where partition 0 keeps the best epoch's checkpoint ({@link BestCheckpoint}), a
   *     qualified Hadoop URI, or null
   * @param hadoop the configuration to reach {@code checkpoint} with: the driver's, since the
   *     executors' lacks the session's settings
   * @param hook called after each epoch, or null
   */
  BarrierFit(
      Broadcast<SparkTrainer.SeriesData> data,
      byte[] setup,
      byte[] resume,
      String checkpoint,
      String before,
      String best,
      Configuration hadoop,
      DType dtype,
      String device,
      EpochHook hook) {
    this.data = data;
    this.setup = setup;
    this.resume = resume;
    this.checkpoint = checkpoint;
    this.before = before;
    this.best = best;
    this.hadoop = new SerializableConfiguration(hadoop);
    this.dtype = dtype;
    this.device = device;
    this.hook = hook;
  }

  /** The SHA-256 of {@code bytes}, hex, or null for null. */
  static String sha256(byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 must be available in every JVM", e);
    }
  }

  @Override
  public Iterator<Integer> apply(Iterator<Integer> ignored) {
    BarrierTaskContext ctx = BarrierTaskContext.get();
    try {
      fit(ctx);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // The driver reads the result from the checkpoint.
    return CollectionConverters.asScala(List.<Integer>of().iterator());
  }

  private void fit(BarrierTaskContext ctx) throws IOException {
    TrainingConfig config = Checkpoint.parse(setup, "SparkTrainer's configuration").config();
    Checkpoint start = startingPoint();
    int startEpoch = start == null ? 0 : start.epoch();
    // Before the fit, even a complete one: a rerun may have to copy its starting checkpoint.
    BestCheckpoint keeper =
        best != null && ctx.partitionId() == 0
            ? BestCheckpoint.resuming(best, hadoop.value(), start)
            : null;
    // Opened even when the fit is complete (a rerun after the last epoch): the tasks agree on that
    // too.
    try (GradientExchange exchange = GradientExchange.open(ctx, "epoch=" + startEpoch)) {
      if (startEpoch < config.epochs()) {
        train(ctx, config, start, exchange, keeper);
      }
    }
  }

  /**
   * This task's part of the fit from {@code start}; {@code keeper} keeps the best checkpoint, in
   * partition 0 of a fit that asks for one, else it is null.
   */
  private void train(
      BarrierTaskContext ctx,
      TrainingConfig config,
      Checkpoint start,
      GradientExchange exchange,
      BestCheckpoint keeper)
      throws IOException {
    int partition = ctx.partitionId();
    Backend backend = ExecutorDevice.backend(ExecutorDevice.forCurrentTask(device));
    WindowDataset.Split split = config.data().split(data.value().toSeries());
    Trainer.Listener afterEpoch =
        new Trainer.Listener() {
          @Override
          public void onStep(int epoch, int step, int steps, double runningLoss) {}

          @Override
          public void onEpoch(EpochStats stats) {
            if (hook != null) {
              hook.afterEpoch(partition, ctx.stageAttemptNumber(), stats.epoch());
            }
          }
        };
    // The application's id in the folder's name says whose folder a killed executor left behind.
    try (HadoopFiles.LocalCheckpoint local =
        HadoopFiles.LocalCheckpoint.create(
            "rnn4j-barrier-" + SparkEnv.get().conf().getAppId() + "-" + partition + "-")) {
      Trainer.train(
          config,
          split,
          start,
          local.file(),
          backend,
          dtype,
          new ExchangedGradients(
              exchange,
              ctx.getTaskInfos().length,
              partition,
              config.seed(),
              dtype,
              backend.device().toString()),
          partition == 0
              ? local.copyingTo(
                  checkpoint,
                  hadoop.value(),
                  keeper == null ? afterEpoch : keeper.keeping(local.file(), afterEpoch))
              : afterEpoch);
    }
  }

  /**
   * The checkpoint this attempt starts from: the one this fit last wrote (the file's content
   * changed since the fit began), else the caller's, else none.
   */
  private Checkpoint startingPoint() throws IOException {
    byte[] now = HadoopFiles.readIfExists(checkpoint, hadoop.value());
    if (now != null && !sha256(now).equals(before)) {
      return Checkpoint.parse(now, checkpoint);
    }
    return resume == null ? null : Checkpoint.parse(resume, "SparkTrainer's resume checkpoint");
  }

  /**
   * Each step's gradient: this task's share (its part of each of the step's mini-batches, added up
   * here: one exchange per step however many mini-batches it accumulates), sent to task 0, which
   * sums every task's in share order and sends the sum back to all.
   */
  private static final class ExchangedGradients implements Trainer.StepGradients {
    private final GradientExchange exchange;
    private final int tasks;
    private final int partition;
    private final long seed;
    private final DType dtype;
    private final String device;

    ExchangedGradients(
        GradientExchange exchange,
        int tasks,
        int partition,
        long seed,
        DType dtype,
        String device) {
      this.exchange = exchange;
      this.tasks = tasks;
      this.partition = partition;
      this.seed = seed;
      this.dtype = dtype;
      this.device = device;
    }

    @Override
    public Trainer.StepGradient compute(
        Forecaster forecaster, WindowDataset train, int epoch, int step, int[][] batches) {
      StateDict params = forecaster.model().stateDict();
      List<String> names = new ArrayList<>(params.asMap().keySet());
      int n = Partial.samples(batches);
      int shares = Partial.shares(batches, tasks);
      byte[] mine = new byte[0];
      if (partition < shares) {
        int[][] share = Partial.parts(batches, partition, shares);
        // Seeded as the job-per-step mode seeds a share, so that dropout masks agree between the
        // modes.
        forecaster.model().manualSeed(Trainer.shareSeed(seed, epoch, step, partition));
        Forecaster.ShareGradient g =
            DeviceWorkers.run(device, () -> forecaster.shareGradient(train, share, n));
        mine = Partial.of(partition, names, g).toBytes(dtype);
      }
      int size = params.asMap().values().stream().mapToInt(t -> t.numel()).sum();
      Partial total;
      try {
        // The sum travels as float64, the precision it was added in, as the job-per-step mode keeps
        // it.
        total =
            Partial.fromBytes(
                exchange.reduce(
                    mine,
                    all -> {
                      List<Partial> parts = new ArrayList<>(shares);
                      for (int p = 0; p < shares; p++) {
                        parts.add(Partial.fromBytes(all[p], dtype, size));
                      }
                      return Partial.treeSum(parts).toBytes(DType.FLOAT64);
                    }),
                DType.FLOAT64,
                size);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return total.stepGradient(n, params);
    }
  }
}
