package dev.rnn4j.spark;

import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.EpochStats;
import dev.rnn4j.train.Trainer;
import java.io.Closeable;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * Checkpoints and models on Hadoop file systems ({@code file:}, {@code hdfs:}, {@code s3a:}, ...):
 * the one place where the Spark side reads, writes and checks them, so the driver and executors
 * agree on what a path means.
 */
final class HadoopFiles {
  /** The largest file rnn4j reads into memory, as {@code Safetensors} does. */
  static final long MAX_BYTES = Integer.MAX_VALUE - 8L;

  /**
   * Files the driver has verified, by qualified path, length and modification time: a pipeline
   * calls {@code transformSchema} several times, and a checkpoint is read once.
   */
  private static final Map<String, Boolean> VERIFIED = new ConcurrentHashMap<>();

  private HadoopFiles() {}

  /**
   * {@code path} made absolute and given its scheme and authority: a relative path is resolved
   * against the working directory of its file system on the driver (the driver's working directory
   * for the local one, the user's home for HDFS), so that executors, whose working directories
   * differ, read the same file.
   */
  static String qualify(String path, Configuration conf) throws IOException {
    Path p = new Path(path);
    return p.getFileSystem(conf).makeQualified(p).toString();
  }

  /** The file {@code name} in the folder {@code dir}, a qualified path. */
  static String child(String dir, String name) {
    return new Path(new Path(dir), name).toString();
  }

  /**
   * Checks on the driver that {@code modelPath} is a readable checkpoint (it exists, is a file, and
   * parses and verifies as a checkpoint), so that a wrong path fails once, on the driver, rather
   * than in every task attempt.
   *
   * @return the qualified path (see {@link #qualify}) for executors to read
   * @throws IllegalArgumentException in one line, naming {@code caller} and the path as given
   */
  static String checkReadable(String caller, String modelPath, Configuration conf) {
    String qualified = modelPath;
    try {
      qualified = qualify(modelPath, conf);
      Path path = new Path(qualified);
      FileStatus status = fileSystem(path, conf).getFileStatus(path);
      if (status.isDirectory()) {
        throw new IOException(qualified + " is a directory, not a checkpoint file");
      }
      String key = qualified + "\0" + status.getLen() + "\0" + status.getModificationTime();
      if (!VERIFIED.containsKey(key)) {
        Checkpoint.parse(read(qualified, conf), qualified);
        VERIFIED.put(key, Boolean.TRUE);
      }
      return qualified;
    } catch (IOException | IllegalArgumentException e) {
      String reason =
          e instanceof FileNotFoundException
              ? "File " + qualified + " does not exist"
              : e.getMessage();
      throw new IllegalArgumentException(
          String.format(
              "%s: modelPath %s cannot be read on the driver: %s; give a path every executor can"
                  + " read (hdfs://, s3a://, or a shared file: URI)",
              caller, modelPath, firstLine(reason)),
          e);
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "(no message)";
    }
    int end = s.indexOf('\n');
    return end < 0 ? s : s.substring(0, end);
  }

  /** The whole file at {@code path}, at most {@link #MAX_BYTES}. */
  static byte[] read(String path, Configuration conf) throws IOException {
    Path p = new Path(path);
    FileSystem fs = fileSystem(p, conf);
    return read(fs, p, fs.getFileStatus(p).getLen());
  }

  /** The whole file at {@code path}, as {@link #read(String, Configuration)}, or null if none. */
  static byte[] readIfExists(String path, Configuration conf) throws IOException {
    try {
      return read(path, conf);
    } catch (FileNotFoundException e) {
      return null;
    }
  }

  /**
   * The whole file at {@code path} on {@code fs}, whose status says it has {@code length} bytes.
   */
  static byte[] read(FileSystem fs, Path path, long length) throws IOException {
    if (length > MAX_BYTES) {
      throw new IOException(
          String.format("%s is %d bytes, over the 2 GiB a checkpoint may have", path, length));
    }
    byte[] bytes = new byte[(int) length];
    try (InputStream in = fs.open(path)) {
      int at = 0;
      while (at < bytes.length) {
        int n = in.read(bytes, at, bytes.length - at);
        if (n < 0) {
          throw new IOException(
              String.format("%s ended after %d of its %d bytes", path, at, length));
        }
        at += n;
      }
    }
    return bytes;
  }

  /**
   * The file system that holds {@code path}, but, for Hadoop's local one ({@code file:}), the raw
   * file system under it: a checkpoint verifies itself (the SHA-256 of its tensors in its
   * metadata), and the {@code .crc} file that Hadoop keeps beside what it writes goes stale when a
   * tool outside Hadoop ({@code rnn4j train --resume}, a copy) rewrites the file, after which
   * Hadoop refuses a good checkpoint. So rnn4j neither writes nor reads {@code .crc} files.
   */
  static FileSystem fileSystem(Path path, Configuration conf) throws IOException {
    FileSystem fs = path.getFileSystem(conf);
    return fs instanceof ChecksumFileSystem checksummed ? checksummed.getRawFileSystem() : fs;
  }

  /**
   * Writes {@code bytes} to {@code path} so that readers see the old file or the new one, never
   * part of one: into a temporary file in the same folder, then renamed over {@code path}. The
   * rename is atomic on HDFS and on the local file system ({@code rename(2)}); object stores (s3a,
   * gs, abfs without hierarchical namespace) implement rename as copy and delete, which is not
   * atomic, so a reader there may briefly find no file. A failed write removes its temporary file.
   * On the local file system an old {@code .crc} beside {@code path} is removed (see {@link
   * #fileSystem}).
   */
  static void writeAtomically(byte[] bytes, String path, Configuration conf) throws IOException {
    Path target = new Path(path);
    FileSystem outer = target.getFileSystem(conf);
    Path qualified = outer.makeQualified(target);
    FileSystem fs = fileSystem(qualified, conf);
    Path temp =
        new Path(
            qualified.getParent(), "." + qualified.getName() + "." + UUID.randomUUID() + ".tmp");
    boolean renamed = false;
    try {
      try (OutputStream out = fs.create(temp, false)) {
        out.write(bytes);
      }
      if (outer instanceof ChecksumFileSystem checksummed) {
        fs.delete(checksummed.getChecksumFile(qualified), false);
      }
      if (fs instanceof RawLocalFileSystem local) {
        // rename(2), which replaces the target in one step: FileContext's local rename deletes
        // the target first (a kill between the two would leave no checkpoint), and
        // RawLocalFileSystem.rename falls back to copying, into the target if it is a folder.
        Files.move(
            local.pathToFile(temp).toPath(),
            local.pathToFile(qualified).toPath(),
            StandardCopyOption.ATOMIC_MOVE);
      } else {
        // FileContext's rename replaces an existing file in one step where the file system can
        // (HDFS); FileSystem.rename refuses to replace one.
        FileContext.getFileContext(qualified.toUri(), conf)
            .rename(temp, qualified, Options.Rename.OVERWRITE);
      }
      renamed = true;
    } finally {
      if (!renamed) {
        fs.delete(temp, false);
      }
    }
  }

  /**
   * Checks on the driver that {@code uri} can be written as {@link #writeAtomically} writes it (a
   * file beside it created and deleted, and a rename for its scheme), so that a path that cannot be
   * written fails once, before any work, rather than after an epoch in every rerun of a barrier
   * stage.
   *
   * @param what what the file is, for the message: {@code "checkpoint"}, {@code "bestCheckpoint"}
   * @throws IllegalArgumentException in one line that names {@code uri}
   */
  static void checkWritable(String what, String uri, Configuration conf) {
    Path qualified = new Path(uri);
    try {
      FileSystem outer = qualified.getFileSystem(conf);
      if (!(outer instanceof ChecksumFileSystem)) {
        FileContext.getFileContext(qualified.toUri(), conf);
      }
      FileSystem fs = fileSystem(qualified, conf);
      Path probe =
          new Path(
              qualified.getParent(),
              "." + qualified.getName() + "." + UUID.randomUUID() + ".probe");
      fs.create(probe, false).close();
      fs.delete(probe, false);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          String.format(
              "SparkTrainer: %s %s cannot be written on the driver: %s; give a URI that the driver"
                  + " and the tasks can write",
              what, uri, firstLine(e.getMessage())),
          e);
    }
  }

  /**
   * A local file for {@link Trainer} to write its checkpoint into, in a folder of its own, copied
   * to a Hadoop URI after each epoch: {@code Trainer} writes through {@code java.nio}, and a
   * checkpoint on a cluster file system is written through Hadoop. {@link #close} removes the
   * folder with whatever it holds (the checkpoint, and the temporary file of an interrupted write).
   */
  static final class LocalCheckpoint implements Closeable {
    private final java.nio.file.Path dir;

    private LocalCheckpoint(java.nio.file.Path dir) {
      this.dir = dir;
    }

    /** A new, empty folder under {@code java.io.tmpdir} whose name starts with {@code prefix}. */
    static LocalCheckpoint create(String prefix) throws IOException {
      return new LocalCheckpoint(Files.createTempDirectory(prefix));
    }

    /** The file for {@code Trainer}'s checkpoint, not yet written. */
    java.nio.file.Path file() {
      return dir.resolve("checkpoint.safetensors");
    }

    /**
     * {@code next}, told of each epoch after the checkpoint that {@code Trainer} has just written
     * is copied to {@code target}: {@link #copyingAfterEpoch} for every epoch.
     */
    Trainer.Listener copyingTo(String target, Configuration conf, Trainer.Listener next) {
      return copyingAfterEpoch(file(), target, conf, "checkpoint", stats -> true, next);
    }

    @Override
    public void close() throws IOException {
      try (var files = Files.list(dir)) {
        for (java.nio.file.Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  /**
   * {@code next}, told of each epoch after {@code file}, the checkpoint {@code Trainer} has just
   * written, is copied to {@code target} ({@link #writeAtomically}) if {@code copies} says so: a
   * listener that fails the run after an epoch finds the copy in place.
   *
   * @param what what {@code target} is, for the message of a failed copy
   * @param copies asked once per epoch, in order, whether to copy after it
   * @throws UncheckedIOException from {@code onEpoch}, naming {@code what} and {@code target}, if
   *     the copy fails
   */
  static Trainer.Listener copyingAfterEpoch(
      java.nio.file.Path file,
      String target,
      Configuration conf,
      String what,
      Predicate<EpochStats> copies,
      Trainer.Listener next) {
    return new Trainer.Listener() {
      @Override
      public void onStep(int epoch, int step, int steps, double runningLoss) {
        next.onStep(epoch, step, steps, runningLoss);
      }

      @Override
      public void onEpoch(EpochStats stats) {
        if (copies.test(stats)) {
          try {
            writeAtomically(Files.readAllBytes(file), target, conf);
          } catch (IOException e) {
            throw new UncheckedIOException(
                String.format(
                    "SparkTrainer: %s %s cannot be written: %s", what, target, e.getMessage()),
                e);
          }
        }
        next.onEpoch(stats);
      }
    };
  }

  /** Removes the file at {@code path}, if there is one. */
  static void deleteIfExists(String path, Configuration conf) throws IOException {
    Path p = new Path(path);
    p.getFileSystem(conf).delete(p, false);
  }
}
