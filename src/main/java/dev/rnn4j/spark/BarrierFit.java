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
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.broadcast.Broadcast;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;

/**
 * One task of {@link SparkTrainer}'s barrier mode: a whole fit in one long-lived task per
 * partition. Each task runs {@link Trainer#train} itself on its executor, with its own model and
 * optimizer and the series in memory; every step each task computes the gradient of its share of
 * the mini-batch ({@link Forecaster#shareGradient}) and sends it to task 0 ({@link
 * GradientExchange}), which adds the shares in share order as the job-per-step mode does ({@link
 * Partial#treeSum}) and sends the sum back, so every task applies the identical update. Partition 0
 * writes the checkpoint after each epoch and returns the last one's bytes; the other tasks write
 * theirs to a temporary file that they delete.
 *
 * <p>A failed task fails the barrier stage and Spark runs all its tasks again: each task then
 * resumes from the checkpoint that this fit last wrote (recognized by a content hash different from
 * the file's before the fit), else from the caller's {@code resume}; the tasks check that they all
 * resume from the same epoch.
 */
final class BarrierFit extends AbstractFunction1<Iterator<Integer>, Iterator<byte[]>>
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
  private final DType dtype;
  private final String device;
  private final EpochHook hook;

  /**
   * @param setup the run's configuration, as the bytes of a checkpoint that holds it
   *     (configurations are not {@code Serializable}; the checkpoint format is the one rnn4j
   *     already writes and verifies)
   * @param resume the caller's checkpoint to continue from, as bytes, or null
   * @param checkpoint where partition 0 writes, a path every task can read
   * @param before the SHA-256 of {@code checkpoint}'s content before the fit, or null if it did not
   *     exist
   * @param hook called after each epoch, or null
   */
  BarrierFit(
      Broadcast<SparkTrainer.SeriesData> data,
      byte[] setup,
      byte[] resume,
      Path checkpoint,
      String before,
      DType dtype,
      String device,
      EpochHook hook) {
    this.data = data;
    this.setup = setup;
    this.resume = resume;
    this.checkpoint = checkpoint.toAbsolutePath().toString();
    this.before = before;
    this.dtype = dtype;
    this.device = device;
    this.hook = hook;
  }

  /** The SHA-256 of the file's content, hex, or null if there is no such file. */
  static String sha256(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 must be available in every JVM", e);
    }
  }

  @Override
  public Iterator<byte[]> apply(Iterator<Integer> ignored) {
    BarrierTaskContext ctx = BarrierTaskContext.get();
    try {
      return CollectionConverters.asScala(fit(ctx).iterator());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private List<byte[]> fit(BarrierTaskContext ctx) throws IOException {
    int partition = ctx.partitionId();
    TrainingConfig config = Checkpoint.parse(setup, "SparkTrainer's configuration").config();
    Path target = Path.of(checkpoint);
    Checkpoint start = startingPoint(target);
    int startEpoch = start == null ? 0 : start.epoch();
    // Opened even when the fit is complete (a rerun after the last epoch): the tasks agree on that
    // too.
    try (GradientExchange exchange = GradientExchange.open(ctx, "epoch=" + startEpoch)) {
      if (startEpoch < config.epochs()) {
        train(ctx, config, start, exchange, target);
      }
    }
    return partition == 0 ? List.of(Files.readAllBytes(target)) : List.of();
  }

  private void train(
      BarrierTaskContext ctx,
      TrainingConfig config,
      Checkpoint start,
      GradientExchange exchange,
      Path target)
      throws IOException {
    int partition = ctx.partitionId();
    Backend backend = ExecutorDevice.backend(ExecutorDevice.forCurrentTask(device));
    WindowDataset.Split split = config.data().split(data.value().toSeries());
    Path written =
        partition == 0
            ? target
            : Files.createTempFile("rnn4j-barrier-" + partition + "-", ".safetensors");
    try {
      Trainer.train(
          config,
          split,
          start,
          written,
          backend,
          dtype,
          new ExchangedGradients(
              exchange,
              ctx.getTaskInfos().length,
              partition,
              config.seed(),
              dtype,
              backend.device().toString()),
          new Trainer.Listener() {
            @Override
            public void onStep(int epoch, int step, int steps, double runningLoss) {}

            @Override
            public void onEpoch(EpochStats stats) {
              if (hook != null) {
                hook.afterEpoch(partition, ctx.stageAttemptNumber(), stats.epoch());
              }
            }
          });
    } finally {
      if (partition != 0) {
        Files.deleteIfExists(written);
      }
    }
  }

  /**
   * The checkpoint this attempt starts from: the one this fit last wrote (the file's content
   * changed since the fit began), else the caller's, else none.
   */
  private Checkpoint startingPoint(Path target) throws IOException {
    String now = sha256(target);
    if (now != null && !now.equals(before)) {
      return Checkpoint.read(target);
    }
    return resume == null ? null : Checkpoint.parse(resume, "SparkTrainer's resume checkpoint");
  }

  /**
   * Each step's gradient: this task's share, sent to task 0, which sums every task's in share order
   * and sends the sum back to all.
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
        Forecaster forecaster, WindowDataset train, int epoch, int step, int[] samples) {
      StateDict params = forecaster.model().stateDict();
      List<String> names = new ArrayList<>(params.asMap().keySet());
      int n = samples.length;
      int shares = Math.min(tasks, n);
      byte[] mine = new byte[0];
      if (partition < shares) {
        int[] share =
            Arrays.copyOfRange(
                samples,
                (int) ((long) partition * n / shares),
                (int) ((long) (partition + 1) * n / shares));
        // Seeded as the job-per-step mode seeds a share, so that dropout masks agree between the
        // modes.
        forecaster.model().manualSeed(Trainer.shareSeed(seed, epoch, step, partition));
        Forecaster.ShareGradient g =
            DeviceWorkers.run(device, () -> forecaster.shareGradient(train, share, n));
        mine = Partial.of(partition, names, g).toBytes(dtype);
      }
      int size = params.asMap().values().stream().mapToInt(t -> (int) t.numel()).sum();
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
      if (total.samples() != n) {
        throw new IllegalStateException(
            String.format(
                "the shares' gradients must cover the mini-batch. " + "Expected %d samples, got %d",
                n, total.samples()));
      }
      double loss = total.lossSum() / n;
      if (!Double.isFinite(loss)) {
        return new Trainer.StepGradient(loss, null);
      }
      return new Trainer.StepGradient(loss, total.toStateDict(params));
    }
  }
}
