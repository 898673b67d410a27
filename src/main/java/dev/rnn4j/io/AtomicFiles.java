package dev.rnn4j.io;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Files replaced all at once: the content goes to a temporary file in the target's folder, named
 * {@code .<name>.<16 hex digits>.tmp}, is flushed to the device, and is then renamed over the
 * target (an atomic move where the file system has one, a plain replacing move otherwise). A reader
 * sees the old file or the new one, never part of one; a failure leaves the old file (or none).
 *
 * <p>A process killed while writing leaves its temporary file behind. {@link
 * #removeStaleTemporaries} removes such debris, and every {@link #write} first removes the stale
 * temporaries of its own target. A temporary file is stale only when both hold:
 *
 * <ul>
 *   <li>it was last modified before this process started, so it is no file this process is writing;
 *   <li>no process holds the lock that its writer takes on it for as long as it writes and renames
 *       it, so it is no file another live process is writing either (a writer that was killed holds
 *       no lock any more).
 * </ul>
 *
 * <p>Only names of this class's pattern are ever removed (and {@code .<name>.<pid>.<nanos>.tmp},
 * the pattern of rnn4j versions before it).
 */
public final class AtomicFiles {
  private static final Pattern TEMPORARY =
      Pattern.compile("\\.(.+)\\.(?:[0-9a-f]{16}|[0-9]+\\.[0-9]+)\\.tmp");

  /** Before this instant no temporary file of this process existed. */
  private static final Instant PROCESS_START =
      ProcessHandle.current().info().startInstant().orElseGet(Instant::now);

  private AtomicFiles() {}

  /** Writes a file's content into the stream it is given; the stream is closed by the caller. */
  @FunctionalInterface
  public interface Content {
    /**
     * Writes the content.
     *
     * @param out the temporary file's stream
     * @throws IOException if writing fails
     */
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * Replaces {@code target} with {@code bytes}, atomically.
   *
   * @param target the file, replaced if it exists
   * @param bytes its new content
   * @throws IOException if the file cannot be written; {@code target} is then as it was
   */
  public static void write(Path target, byte[] bytes) throws IOException {
    write(target, out -> out.write(bytes));
  }

  /**
   * Replaces {@code target} with {@code text} in UTF-8, atomically.
   *
   * @param target the file, replaced if it exists
   * @param text its new content
   * @throws IOException if the file cannot be written; {@code target} is then as it was
   */
  public static void writeString(Path target, String text) throws IOException {
    write(target, text.getBytes(UTF_8));
  }

  /**
   * Replaces {@code target} with what {@code content} writes, atomically.
   *
   * @param target the file, replaced if it exists
   * @param content writes the new content
   * @throws IOException if the file cannot be written; {@code target} is then as it was
   */
  public static void write(Path target, Content content) throws IOException {
    Path absolute = target.toAbsolutePath();
    Path dir = absolute.getParent();
    String name = absolute.getFileName().toString();
    try {
      removeStale(dir, name);
    } catch (IOException e) {
      // A folder that cannot be listed fails the write below, with the reason that matters.
    }
    Path temp = dir.resolve(temporaryName(name));
    try (FileChannel channel =
            FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        FileLock lock = channel.lock()) {
      OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel));
      content.writeTo(out);
      out.flush();
      channel.force(true);
      // Renamed while still locked: until the name is gone, the lock says that a writer is alive.
      move(temp, absolute);
    } catch (Throwable e) {
      // Whatever failed (an Error of a chart library included), no temporary is left behind.
      try {
        Files.deleteIfExists(temp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /**
   * Renames {@code source} to {@code target}, replacing it: an atomic move where the file system
   * has one, a plain replacing move otherwise.
   *
   * @param source the file or folder to move
   * @param target its new name
   * @throws IOException if the move fails
   */
  public static void move(Path source, Path target) throws IOException {
    try {
      Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * A fresh name for a temporary sibling of a file or folder named {@code name}: {@code .<name>.<16
   * hex digits>.tmp}, the pattern {@link #removeStaleTemporaries} recognizes.
   *
   * @param name the target's file name
   * @return the temporary name
   */
  public static String temporaryName(String name) {
    return String.format(".%s.%016x.tmp", name, ThreadLocalRandom.current().nextLong());
  }

  /**
   * Removes the stale temporary files of interrupted writes in {@code dir} (see the class comment
   * for what counts as stale); a folder that does not exist holds none.
   *
   * @param dir the folder
   * @return the files removed; a stale file this process may not remove is left
   * @throws IOException if the folder cannot be listed
   */
  public static List<Path> removeStaleTemporaries(Path dir) throws IOException {
    return removeStale(dir, null);
  }

  /** Removes the stale temporaries in {@code dir} of target {@code name}, or of any when null. */
  private static List<Path> removeStale(Path dir, String name) throws IOException {
    List<Path> removed = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return removed;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, ".*.tmp")) {
      for (Path entry : entries) {
        Matcher m = TEMPORARY.matcher(entry.getFileName().toString());
        if (m.matches() && (name == null || name.equals(m.group(1))) && removeIfStale(entry)) {
          removed.add(entry);
        }
      }
    }
    return removed;
  }

  private static boolean removeIfStale(Path file) {
    try {
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
          || !Files.getLastModifiedTime(file).toInstant().isBefore(PROCESS_START)) {
        return false;
      }
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE);
          FileLock lock = channel.tryLock()) {
        if (lock == null) {
          return false; // another process is writing it right now
        }
        Files.delete(file);
        return true;
      } catch (OverlappingFileLockException e) {
        return false; // a thread of this process holds it
      }
    } catch (NoSuchFileException e) {
      return false; // its writer renamed or removed it meanwhile
    } catch (IOException e) {
      return false; // not ours to remove (no write permission, say): left for its owner
    }
  }
}
