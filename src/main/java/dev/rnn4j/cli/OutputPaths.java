package dev.rnn4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Output paths checked before any work begins, so that a run of minutes does not end in a path it
 * could never write: each failure is one line naming the option, the path and what to do.
 */
final class OutputPaths {
  private OutputPaths() {}

  /**
   * Fails unless {@code file} can be written as a file: it is not a folder, and its folder exists
   * and is writable (the file is written there first under a temporary name, then renamed).
   */
  static void checkFile(String option, Path file) {
    if (Files.isDirectory(file)) {
      throw new IllegalArgumentException(
          String.format("%s %s: is a directory; name a file to write", option, file));
    }
    Path dir = file.toAbsolutePath().getParent();
    if (!Files.exists(dir)) {
      throw new IllegalArgumentException(
          String.format("%s %s: no such directory: %s", option, file, dir));
    }
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          String.format("%s %s: %s is not a directory", option, file, dir));
    }
    checkWritable(option, file, dir);
  }

  /**
   * Fails unless {@code dir} can be used as an output folder: it is a writable folder, or it does
   * not exist and its nearest existing ancestor is a writable folder to create it in.
   */
  static void checkFolder(String option, Path dir) {
    Path absolute = dir.toAbsolutePath();
    if (Files.exists(absolute)) {
      if (!Files.isDirectory(absolute)) {
        throw new IllegalArgumentException(
            String.format(
                "%s %s: is a file, not a folder; name a folder to write into (it is created if"
                    + " missing)",
                option, dir));
      }
      checkWritable(option, dir, absolute);
      return;
    }
    Path ancestor = absolute.getParent();
    while (ancestor != null && !Files.exists(ancestor)) {
      ancestor = ancestor.getParent();
    }
    if (ancestor == null) {
      return; // no root exists to check against: creating the folder reports the reason
    }
    if (!Files.isDirectory(ancestor)) {
      throw new IllegalArgumentException(
          String.format(
              "%s %s: %s is a file, so no folder can be created under it", option, dir, ancestor));
    }
    checkWritable(option, dir, ancestor);
  }

  private static void checkWritable(String option, Path path, Path dir) {
    if (!Files.isWritable(dir)) {
      throw new IllegalArgumentException(
          String.format("%s %s: permission denied: cannot write in %s", option, path, dir));
    }
  }
}
