package dev.rnn4j.spark;

import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.EpochStats;
import dev.rnn4j.train.Trainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SparkTrainer#bestCheckpoint}: the checkpoint of the epoch with the lowest validation loss
 * so far, kept at a Hadoop URI beside the last checkpoint, as the command line keeps {@code
 * best.safetensors}. After each epoch whose validation loss is lower than every earlier epoch's (a
 * tie keeps the earlier epoch), the checkpoint just written is copied there ({@link
 * HadoopFiles#writeAtomically}). One instance per fit, where the checkpoint is written: on the
 * driver in the job-per-step mode, in task 0 in barrier mode.
 *
 * <p>A resumed run starts from what the file holds. If it holds a checkpoint of the resumed run (an
 * epoch of the resumed checkpoint's history, with that history up to it) that no later epoch of the
 * history beats, the run's epochs compete with that epoch. If a later epoch does beat it and that
 * epoch is the resumed checkpoint itself (a run stopped between writing the checkpoint and copying
 * it: a barrier stage rerun after a lost executor), the resumed checkpoint is copied at once; the
 * same holds when the file holds nothing of the run and the resumed checkpoint is its history's
 * best. Otherwise the best of this run's own epochs is kept, as the command line does when no
 * {@code best.safetensors} lies beside the resumed checkpoint. So a barrier stage rerun, which
 * resumes from the last checkpoint its fit wrote and finds the file as the fit left it, goes on as
 * the fit would have gone on without the failure, and ends with the same file.
 */
final class BestCheckpoint {
  private static final Logger LOG = LoggerFactory.getLogger(BestCheckpoint.class);

  private final String target;
  private final Configuration conf;
  private double lowest;

  private BestCheckpoint(String target, Configuration conf, double lowest) {
    this.target = target;
    this.conf = conf;
    this.lowest = lowest;
  }

  /**
   * The best checkpoint of a run that continues {@code start}.
   *
   * @param target where it is kept, a qualified Hadoop URI
   * @param start the checkpoint the run continues, or null for a new run
   * @throws IOException if {@code target} exists but cannot be read, naming it
   */
  static BestCheckpoint resuming(String target, Configuration conf, Checkpoint start)
      throws IOException {
    if (start == null || start.history().isEmpty()) {
      return new BestCheckpoint(target, conf, Double.POSITIVE_INFINITY);
    }
    List<EpochStats> history = start.history();
    Checkpoint held = heldOf(target, conf, history);
    // The epochs the file has not seen compete with the one it holds: all of them when it holds
    // nothing of this run. Stream.min keeps the first of equal elements: a tie goes to the earlier
    // epoch, the held one included.
    List<EpochStats> unseen =
        held == null ? history : history.subList(held.history().size() - 1, history.size());
    EpochStats best =
        unseen.stream().min(Comparator.comparingDouble(EpochStats::validationLoss)).get();
    if (held != null && best.epoch() == held.epoch()) {
      return new BestCheckpoint(target, conf, best.validationLoss());
    }
    if (best.epoch() == start.epoch()) {
      HadoopFiles.writeAtomically(start.toByteArray(), target, conf);
      return new BestCheckpoint(target, conf, best.validationLoss());
    }
    return new BestCheckpoint(target, conf, Double.POSITIVE_INFINITY);
  }

  /**
   * The checkpoint at {@code target} if it is one of the run whose epochs are {@code history}: its
   * history is the first epochs of {@code history}, up to its own epoch; else null.
   */
  private static Checkpoint heldOf(String target, Configuration conf, List<EpochStats> history)
      throws IOException {
    byte[] bytes;
    try {
      bytes = HadoopFiles.readIfExists(target, conf);
    } catch (IOException e) {
      // A file that exists but cannot be read now (permissions, a lost datanode, the network) may
      // hold the run's best epoch: replacing it as if it were absent could keep a worse epoch in
      // its place without a word. The fit fails instead (in barrier mode Spark reruns the stage,
      // which retries a passing failure), naming the file.
      throw new IOException(
          String.format(
              "SparkTrainer: bestCheckpoint %s cannot be read: %s", target, e.getMessage()),
          e);
    }
    if (bytes == null) {
      return null;
    }
    Checkpoint held;
    try {
      held = Checkpoint.parse(bytes, target);
    } catch (IllegalArgumentException e) {
      // Read, but not a checkpoint (or a corrupt one): nothing a run can continue is lost by
      // replacing it, but the user may not expect that, so it is said.
      LOG.warn(
          "bestCheckpoint {} is not a readable checkpoint ({}); the best epoch's will replace it",
          target,
          e.getMessage());
      return null;
    }
    List<EpochStats> h = held.history();
    boolean ofThisRun =
        !h.isEmpty()
            && h.size() <= history.size()
            && h.equals(history.subList(0, h.size()))
            && held.epoch() == h.get(h.size() - 1).epoch();
    return ofThisRun ? held : null;
  }

  /**
   * {@code next}, told of each epoch after the epoch's checkpoint, which {@code Trainer} has just
   * written to {@code file}, is copied to the target if the epoch is the best so far ({@link
   * HadoopFiles#copyingAfterEpoch}).
   */
  Trainer.Listener keeping(Path file, Trainer.Listener next) {
    return HadoopFiles.copyingAfterEpoch(file, target, conf, "bestCheckpoint", this::beats, next);
  }

  /** Whether {@code stats} beats every epoch so far, which then makes it the one to beat. */
  private boolean beats(EpochStats stats) {
    if (!(stats.validationLoss() < lowest)) {
      return false;
    }
    // Taken before the copy: a copy that fails fails the fit, and this instance with it.
    lowest = stats.validationLoss();
    return true;
  }
}
