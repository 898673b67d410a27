package dev.rnn4j.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The folder a {@code train} writes its run into ({@code --out}): one writer at a time, an existing
 * run replaced only when asked, and the best epoch kept beside the last.
 *
 * <p>The writer holds a lock on {@code DIR/.lock} ({@code FileChannel.tryLock}) for as long as it
 * runs, and writes the pid the user knows into it (the process they started, which forwards signals
 * to a relaunched JVM). The operating system releases the lock when the process ends, however it
 * ends, so a killed run leaves no stale lock; the file itself stays, with the last writer's pid,
 * and means nothing without the lock.
 *
 * <p>{@code best.safetensors} is the full checkpoint of the epoch with the lowest validation loss
 * so far, copied from {@code checkpoint.safetensors} when an epoch improves on every earlier one:
 * {@code predict}, {@code export} and {@code --resume} take it as they take the last checkpoint.
 */
final class RunFolder implements AutoCloseable {
  static final String BEST = "best.safetensors";
  static final String LOCK = ".lock";

  /** The files that make a folder hold a run. */
  private static final List<String> RUN_FILES = List.of(TrainCommand.CHECKPOINT, BEST);

  /**
   * Folders locked by this JVM: a second channel on a locked file would release its lock on close.
   */
  private static final Set<Path> HELD = new HashSet<>();

  private final Path dir;
  private final Path key;
  private final FileChannel channel;
  private double bestLoss;
  private int bestEpoch;

  private RunFolder(Path dir, Path key, FileChannel channel, double bestLoss, int bestEpoch) {
    this.dir = dir;
    this.key = key;
    this.channel = channel;
    this.bestLoss = bestLoss;
    this.bestEpoch = bestEpoch;
  }

  /**
   * Refuses {@code dir} before any work: when another {@code train} writes there, or when it holds
   * a run that this one would replace without {@code force}. Continuing {@code resume}, the
   * checkpoint in {@code dir} itself, replaces nothing. Writes nothing but an existing lock file's
   * lock, taken and released.
   *
   * @throws IllegalArgumentException when another process holds the folder
   * @throws Failures.Usage when the folder holds another run and {@code force} is off
   */
  static void check(Path dir, Path resume, boolean force) {
    Path key = key(dir);
    synchronized (HELD) {
      if (HELD.contains(key)) {
        throw inUse(dir, Long.toString(userPid()));
      }
    }
    if (Files.isRegularFile(dir.resolve(LOCK))) {
      try (FileChannel probe = openLock(dir)) {
        FileLock lock = probe.tryLock();
        if (lock == null) {
          throw inUse(dir, pidIn(probe));
        }
        lock.release();
      } catch (IOException e) {
        throw new IllegalArgumentException(Failures.describe("--out", dir.resolve(LOCK), e), e);
      }
    }
    checkReplace(dir, resume, force);
  }

  /**
   * Creates {@code dir} if needed and takes it for this run, with the checks of {@link #check} made
   * again under the lock.
   *
   * @param resume the checkpoint this run continues, or null
   * @param bestLoss the lowest validation loss of the epochs before this run's first (of the
   *     resumed checkpoint's history), or positive infinity
   * @param bestEpoch its epoch, or 0
   */
  static RunFolder open(Path dir, Path resume, boolean force, double bestLoss, int bestEpoch) {
    Path key = key(dir);
    synchronized (HELD) {
      if (!HELD.add(key)) {
        throw inUse(dir, Long.toString(userPid()));
      }
    }
    FileChannel channel = null;
    try {
      Files.createDirectories(dir);
      channel = openLock(dir);
      if (channel.tryLock() == null) {
        throw inUse(dir, pidIn(channel));
      }
      channel.truncate(0);
      channel.write(ByteBuffer.wrap((userPid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
      checkReplace(dir, resume, force);
      RunFolder folder = new RunFolder(dir, key, channel, bestLoss, bestEpoch);
      folder.keepResumedBest(resume);
      return folder;
    } catch (IOException e) {
      release(channel, key);
      throw new IllegalArgumentException(Failures.describe("--out", dir, e), e);
    } catch (RuntimeException e) {
      release(channel, key);
      throw e;
    }
  }

  /**
   * A resumed run keeps the {@code best.safetensors} beside its checkpoint, copied into this folder
   * when it is another; without one, the best of this run's own epochs is kept.
   */
  private void keepResumedBest(Path resume) throws IOException {
    if (bestEpoch == 0) {
      return;
    }
    Path best = dir.resolve(BEST);
    Path resumedBest = resume.toAbsolutePath().resolveSibling(BEST);
    if (Files.isRegularFile(resumedBest)) {
      if (!sameFile(best, resumedBest)) {
        copy(resumedBest, best);
      }
    } else {
      bestLoss = Double.POSITIVE_INFINITY;
      bestEpoch = 0;
    }
  }

  /**
   * After an epoch's checkpoint is written: copies it to {@code best.safetensors} when its
   * validation loss is lower than every earlier epoch's.
   */
  void epochWritten(int epoch, double validationLoss) {
    if (validationLoss < bestLoss) {
      Path best = dir.resolve(BEST);
      try {
        copy(dir.resolve(TrainCommand.CHECKPOINT), best);
      } catch (IOException e) {
        throw new IllegalArgumentException(Failures.describe("--out", best, e), e);
      }
      bestLoss = validationLoss;
      bestEpoch = epoch;
    }
  }

  /**
   * The summary's words for the best checkpoint, say {@code runs/latest/best.safetensors (epoch 7,
   * ...)}.
   */
  String best() {
    return String.format(
        Locale.ROOT, "%s (epoch %d, the lowest validation loss)", dir.resolve(BEST), bestEpoch);
  }

  /** Releases the lock; the lock file stays. */
  @Override
  public void close() {
    release(channel, key);
  }

  /** As the checkpoint itself is written: a temporary file in the folder, flushed, then renamed. */
  private void copy(Path from, Path to) throws IOException {
    Path temp =
        to.resolveSibling(
            String.format(
                Locale.ROOT,
                ".%s.%016x.tmp",
                to.getFileName(),
                ThreadLocalRandom.current().nextLong()));
    try {
      Files.copy(from, temp);
      try (FileChannel written = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        written.force(true);
      }
      try {
        Files.move(temp, to, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, to, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static void checkReplace(Path dir, Path resume, boolean force) {
    Path checkpoint = dir.resolve(TrainCommand.CHECKPOINT);
    if (force || sameFile(checkpoint, resume)) {
      return;
    }
    for (String name : RUN_FILES) {
      if (Files.exists(dir.resolve(name))) {
        throw new Failures.Usage(
            String.format(
                "--out %s already holds a run (%s): give --force to replace it, or continue it"
                    + " with --resume %s",
                dir, name, checkpoint));
      }
    }
  }

  /** Whether {@code file} is {@code other}, an existing file; false when {@code other} is null. */
  private static boolean sameFile(Path file, Path other) {
    try {
      return other != null && Files.exists(other) && Files.isSameFile(file, other);
    } catch (IOException e) {
      return false;
    }
  }

  private static FileChannel openLock(Path dir) throws IOException {
    return FileChannel.open(
        dir.resolve(LOCK),
        StandardOpenOption.CREATE,
        StandardOpenOption.READ,
        StandardOpenOption.WRITE);
  }

  /**
   * The pid the holder of the lock wrote into the file; "unknown" before it has, or where the
   * system's locks also forbid reading (Windows).
   */
  private static String pidIn(FileChannel channel) {
    ByteBuffer bytes = ByteBuffer.allocate(32);
    try {
      channel.read(bytes, 0);
    } catch (IOException e) {
      return "unknown";
    }
    String pid = new String(bytes.array(), 0, bytes.position(), StandardCharsets.US_ASCII).strip();
    return pid.matches("\\d+") ? pid : "unknown";
  }

  private static IllegalArgumentException inUse(Path dir, String pid) {
    return new IllegalArgumentException(
        String.format(
            "%s is in use by another rnn4j train (pid %s); "
                + "wait for it or choose another --out",
            dir, pid));
  }

  /** The process the user started: the parent when this JVM was relaunched for the Vector API. */
  private static long userPid() {
    String parent = System.getProperty(VectorRelaunch.PARENT_PID);
    return parent != null ? Long.parseLong(parent) : ProcessHandle.current().pid();
  }

  private static Path key(Path dir) {
    return dir.toAbsolutePath().normalize();
  }

  /** Closing the channel releases the lock. */
  private static void release(FileChannel channel, Path key) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        // The lock goes with the process, at the latest.
      }
    }
    synchronized (HELD) {
      HELD.remove(key);
    }
  }
}
