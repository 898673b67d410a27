package dev.rnn4j.cli;

import dev.rnn4j.train.EpochStats;
import dev.rnn4j.train.Trainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Ctrl-C (SIGINT), SIGTERM or SIGHUP while {@code train} runs its epochs: a shutdown hook asks the
 * loop to stop, the loop stops at its next safe point (between two steps, or after an epoch's files
 * are written) and abandons the epoch it is in, and the hook prints one line saying where to resume
 * and ends the JVM with {@link #EXIT_CODE}. The last complete checkpoint is what a resumed run
 * continues from.
 *
 * <p>Shutdown hooks run concurrently with the threads that were running, and {@code System.exit}
 * from a hook blocks for ever; so the hook waits for the loop's acknowledgement (at most {@link
 * #ACKNOWLEDGE_MILLIS}, then it goes on regardless) and ends the JVM with {@code Runtime.halt}. A
 * halt while a checkpoint is being saved cannot leave half a checkpoint: checkpoints are written to
 * a temporary file that is then renamed over the old one.
 *
 * <p>The hook is installed for the epochs only, and removed by {@link #close}, so that commands run
 * in a JVM that goes on (tests) leave nothing behind.
 */
final class Interruption implements AutoCloseable {
  /** 128 + SIGINT, what a shell reports for a program stopped by Ctrl-C. */
  static final int EXIT_CODE = 130;

  /**
   * The longest the hook waits for the loop: a step or an epoch's validation and save, in practice.
   */
  static final long ACKNOWLEDGE_MILLIS = 5_000;

  private final PrintWriter err;
  private final TrainCommand.Progress progress;
  private final Path checkpoint;
  private final Thread hook = new Thread(this::stop, "rnn4j-interrupt");
  private final CountDownLatch acknowledged = new CountDownLatch(1);
  private volatile boolean requested;

  /** Set when the last epoch is written. */
  private volatile boolean finished;

  /** The file a resumed run would continue from (null: none yet), and its epoch. */
  private volatile Path resumable;

  private volatile int epoch;

  private Interruption(
      PrintWriter err,
      TrainCommand.Progress progress,
      Path checkpoint,
      Path resumedFrom,
      int resumedEpoch) {
    this.err = err;
    this.progress = progress;
    this.checkpoint = checkpoint;
    this.resumable = resumedFrom;
    this.epoch = resumedEpoch;
  }

  /**
   * Installs the hook for a run that writes {@code checkpoint} after every epoch.
   *
   * @param resumedFrom the checkpoint the run continues, or null for a new run
   * @param resumedEpoch that checkpoint's epoch, or 0
   */
  static Interruption install(
      PrintWriter err,
      TrainCommand.Progress progress,
      Path checkpoint,
      Path resumedFrom,
      int resumedEpoch) {
    Interruption interruption =
        new Interruption(err, progress, checkpoint, resumedFrom, resumedEpoch);
    Runtime.getRuntime().addShutdownHook(interruption.hook);
    return interruption;
  }

  /** {@code steps}, with a safe point after every step it is told of. */
  Trainer.Listener steps(Trainer.Listener steps) {
    return new Trainer.Listener() {
      @Override
      public void onStep(int epoch, int step, int count, double runningLoss) {
        steps.onStep(epoch, step, count, runningLoss);
        safePoint();
      }

      @Override
      public void onEpoch(EpochStats stats) {
        steps.onEpoch(stats);
      }
    };
  }

  /** After {@code epoch}'s checkpoint (and anything kept with it) is written: a safe point. */
  void epochWritten(int epoch) {
    this.epoch = epoch;
    this.resumable = checkpoint;
    safePoint();
  }

  /**
   * Where the loop may stop: when an interruption was asked for, acknowledges it and waits for the
   * hook to end the JVM, so that it neither starts another step nor writes another file.
   */
  private void safePoint() {
    if (requested) {
      awaitHalt();
    }
  }

  private void awaitHalt() {
    acknowledged.countDown();
    while (true) {
      LockSupport.park(this);
    }
  }

  private void stop() {
    requested = true;
    boolean stopped;
    try {
      stopped = acknowledged.await(ACKNOWLEDGE_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      stopped = false;
    }
    if (stopped) {
      // The loop waits: the progress bar is this thread's to clear.
      progress.clear();
    }
    err.println(message(stopped));
    err.flush();
    System.out.flush();
    Runtime.getRuntime().halt(EXIT_CODE);
  }

  /**
   * The one line: the epoch that was cut short and the command that resumes. When the loop did not
   * stop in time it may have been saving that very epoch, so the line does not say which epoch the
   * checkpoint holds.
   */
  private String message(boolean stopped) {
    Path from = resumable;
    int done = epoch;
    String interrupted = "rnn4j train: interrupted in epoch " + (done + 1);
    if (finished) {
      return "rnn4j train: interrupted after the last epoch ("
          + done
          + ") was saved in "
          + from
          + ", before the charts were drawn";
    }
    if (from == null) {
      return interrupted + ", before the run's first checkpoint: there is nothing to resume";
    }
    return interrupted
        + (stopped ? "; resume from epoch " + done : "; resume")
        + " with rnn4j train --resume "
        + from;
  }

  /** The run's last epoch is written: an interruption from now on leaves a finished run. */
  void finished() {
    finished = true;
  }

  /**
   * Removes the hook. When the JVM is already shutting down, the hook is running or about to: this
   * thread then waits for it to end the JVM, and the charts are not drawn.
   */
  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      awaitHalt();
    }
  }
}
