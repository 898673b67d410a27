package dev.rnn4j.spark;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.WindowForecaster;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The executor's models: one per checkpoint content and device for the whole JVM, however many
 * tasks ask for it and however often Spark deserializes the stage that asks. Task closures and
 * Transformer params are deserialized per task, so a model held by them would be read again for
 * every partition; this cache is static instead.
 *
 * <p>A checkpoint is named by a path on any Hadoop file system and keyed by the SHA-256 of its
 * bytes, so a file replaced under the same name is a new model, and two copies of one file are one.
 * Concurrent tasks that ask for a model not yet loaded wait for a single load; {@link #loadCount()}
 * counts loads. A failed load is not cached: the next task tries again. A task killed while it
 * loads fails alone: the tasks waiting for its load load the model themselves.
 *
 * <p>Cached models are read-only and stay until the executor's JVM ends or {@link #clear()} closes
 * them ({@link Rnn4jPlugin} calls it when the executor stops, a JVM shutdown hook otherwise).
 */
public final class ExecutorRuntime {
  private static final Map<FileKey, String> HASHES = new ConcurrentHashMap<>();
  private static final SharedLoads<ModelKey, Loaded> MODELS = new SharedLoads<>();
  private static final AtomicLong LOADS = new AtomicLong();

  /**
   * A file's identity as its file system reports it: a rewritten file gets a new length or time.
   */
  private record FileKey(String uri, long length, long modificationTime) {}

  private record ModelKey(String sha256, String device) {}

  /**
   * A cached model and the device it runs on ({@code cpu} or {@code cuda:N}, for {@link
   * DeviceWorkers#run}). Scoring holds it for each batch ({@link #acquire}, {@link #release});
   * {@link #clear()} retires it, and it closes when the last batch holding it ends, so that
   * clearing the cache never closes a model under a running task.
   */
  static final class Loaded {
    private final WindowForecaster forecaster;
    private final String device;
    private final String sha256;
    private int users;
    private boolean retired;
    private boolean closed;

    Loaded(WindowForecaster forecaster, String device, String sha256) {
      this.forecaster = forecaster;
      this.device = device;
      this.sha256 = sha256;
    }

    WindowForecaster forecaster() {
      return forecaster;
    }

    String device() {
      return device;
    }

    String sha256() {
      return sha256;
    }

    /** Holds the model for one batch; false when it was retired (the caller asks for it again). */
    synchronized boolean acquire() {
      if (retired) {
        return false;
      }
      users++;
      return true;
    }

    /** Ends a batch's hold; the last one closes a retired model. */
    void release() {
      boolean close;
      synchronized (this) {
        users--;
        close = retired && users == 0 && !closed;
        closed |= close;
      }
      if (close) {
        closeNow();
      }
    }

    /** Takes the model out of use: closed now if no batch holds it, else by the last one. */
    void retire() {
      boolean close;
      synchronized (this) {
        retired = true;
        close = users == 0 && !closed;
        closed |= close;
      }
      if (close) {
        closeNow();
      }
    }

    private void closeNow() {
      DeviceWorkers.run(
          device,
          () -> {
            forecaster.close();
            return null;
          });
    }
  }

  private ExecutorRuntime() {}

  /** How many models this JVM has loaded (parsed and prepared) since it started. */
  public static long loadCount() {
    return LOADS.get();
  }

  /**
   * Forgets every cached model and closes it (at once, or when the batches scoring with it end),
   * waiting for loads in progress and closing their models too; later requests load again. Every
   * model is closed even if closing one fails.
   *
   * @throws RuntimeException the first failure to close a model, later ones suppressed in it
   */
  public static void clear() {
    HASHES.clear();
    MODELS.clear(Loaded::retire);
  }

  /**
   * The executor's end: closes the cached models, then stops rnn4j's GPU workers whatever happened.
   */
  static void shutdown() {
    try {
      clear();
    } finally {
      DeviceWorkers.shutdown();
    }
  }

  /**
   * The model of the checkpoint at {@code modelPath} on the device {@link ExecutorDevice} resolves
   * for {@code device} in the current task, loading it if this JVM has not yet.
   *
   * @throws IllegalArgumentException if the file cannot be read or is not a checkpoint, naming the
   *     path
   */
  static Loaded model(String modelPath, Configuration hadoopConf, String device) {
    ExecutorDevice.Choice choice = ExecutorDevice.forCurrentTask(device);
    Path path = new Path(modelPath);
    byte[] bytes = null;
    String sha256;
    FileKey fileKey;
    try {
      FileSystem fs = HadoopFiles.fileSystem(path, hadoopConf);
      FileStatus status = fs.getFileStatus(path);
      fileKey =
          new FileKey(status.getPath().toString(), status.getLen(), status.getModificationTime());
      sha256 = HASHES.get(fileKey);
      if (sha256 == null) {
        bytes = HadoopFiles.read(fs, path, status.getLen());
        sha256 = sha256(bytes);
        HASHES.put(fileKey, sha256);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(
          String.format("modelPath %s cannot be read: %s", modelPath, e), e);
    }
    // Keyed by the resolved device, so an auto task on a GPU and one on the CPU get their own
    // copies.
    ModelKey key = new ModelKey(sha256, choice.device());
    byte[] read = bytes;
    String expected = sha256;
    return MODELS.get(
        key,
        () -> {
          byte[] content =
              read != null ? read : readAgain(path, modelPath, hadoopConf, fileKey, expected);
          Checkpoint checkpoint = Checkpoint.parse(content, modelPath);
          Backend backend = ExecutorDevice.backend(choice);
          String runsOn = backend.device().toString();
          WindowForecaster forecaster =
              DeviceWorkers.run(runsOn, () -> WindowForecaster.of(checkpoint, backend));
          LOADS.incrementAndGet();
          return new Loaded(forecaster, runsOn, expected);
        });
  }

  /**
   * The file's bytes once more, when its hash was known from an earlier read: they must still have
   * that hash, or the cache would file them under another file's content.
   */
  private static byte[] readAgain(
      Path path, String modelPath, Configuration conf, FileKey fileKey, String sha256) {
    byte[] bytes;
    try {
      bytes = HadoopFiles.read(path.toString(), conf);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          String.format("modelPath %s cannot be read: %s", modelPath, e), e);
    }
    String actual = sha256(bytes);
    if (!actual.equals(sha256)) {
      HASHES.remove(fileKey, sha256);
      throw new IllegalArgumentException(
          String.format(
              "modelPath %s changed while it was read: its content has SHA-256 %s, expected %s from"
                  + " its length and modification time; read it again",
              modelPath, actual, sha256));
    }
    return bytes;
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
