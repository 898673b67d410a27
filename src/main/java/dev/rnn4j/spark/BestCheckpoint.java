package dev.rnn4j.spark;

import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.EpochStats;
import dev.rnn4j.train.Trainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * {@link SparkTrainer#bestCheckpoint}: the checkpoint of the epoch with the lowest validation loss
 * so far, kept at a Hadoop URI beside the last checkpoint, as the command line keeps {@code
 * best.safetensors}. After each epoch whose validation loss is lower than every earlier epoch's (a
 * tie keeps the earlier epoch), the checkpoint just written is copied there ({@link
 * HadoopFiles#writeAtomically}). One instance per fit, where the checkpoint is written: on the
 * driver in the job-per-step mode, in task 0 in barrier mode.
 *
 * <p>A resumed run compares its epochs with the best epoch of the resumed checkpoint's history when
 * the file holds that epoch's checkpoint (the earlier part of the run wrote it). When it holds
 * something else and the resumed checkpoint is its own history's best (a run stopped between
 * writing the checkpoint and copying it: a barrier stage rerun after a lost executor), the resumed
 * checkpoint is copied at once; otherwise the best of this run's own epochs is kept, as the command
 * line does when no {@code best.safetensors} lies beside the resumed checkpoint.
 */
final class BestCheckpoint {
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
   */
  static BestCheckpoint resuming(String target, Configuration conf, Checkpoint start)
      throws IOException {
    if (start == null || start.history().isEmpty()) {
      return new BestCheckpoint(target, conf, Double.POSITIVE_INFINITY);
    }
    // Stream.min keeps the first of equal elements: a tie goes to the earlier epoch.
    EpochStats best =
        start.history().stream().min(Comparator.comparingDouble(EpochStats::validationLoss)).get();
    List<EpochStats> upToBest =
        start.history().stream().filter(s -> s.epoch() <= best.epoch()).toList();
    if (holds(target, conf, best.epoch(), upToBest)) {
      return new BestCheckpoint(target, conf, best.validationLoss());
    }
    if (best.epoch() == start.epoch()) {
      HadoopFiles.writeAtomically(start.toByteArray(), target, conf);
      return new BestCheckpoint(target, conf, best.validationLoss());
    }
    return new BestCheckpoint(target, conf, Double.POSITIVE_INFINITY);
  }

  /** Whether {@code target} is a checkpoint after {@code epoch} with {@code history}. */
  private static boolean holds(
      String target, Configuration conf, int epoch, List<EpochStats> history) throws IOException {
    byte[] bytes = HadoopFiles.readIfExists(target, conf);
    if (bytes == null) {
      return false;
    }
    try {
      Checkpoint held = Checkpoint.parse(bytes, target);
      return held.epoch() == epoch && held.history().equals(history);
    } catch (IllegalArgumentException e) {
      // Not a checkpoint (or a corrupt one): replaced as any other file.
      return false;
    }
  }

  /**
   * {@code next}, told of each epoch after the epoch's checkpoint, which {@code Trainer} has just
   * written to {@code file}, is copied to the target if the epoch is the best so far.
   *
   * @throws UncheckedIOException from {@code onEpoch}, naming the target, if the copy fails
   */
  Trainer.Listener keeping(Path file, Trainer.Listener next) {
    return new Trainer.Listener() {
      @Override
      public void onStep(int epoch, int step, int steps, double runningLoss) {
        next.onStep(epoch, step, steps, runningLoss);
      }

      @Override
      public void onEpoch(EpochStats stats) {
        if (stats.validationLoss() < lowest) {
          try {
            HadoopFiles.writeAtomically(Files.readAllBytes(file), target, conf);
          } catch (IOException e) {
            throw new UncheckedIOException(
                String.format(
                    "SparkTrainer: bestCheckpoint %s cannot be written: %s",
                    target, e.getMessage()),
                e);
          }
          lowest = stats.validationLoss();
        }
        next.onEpoch(stats);
      }
    };
  }
}
