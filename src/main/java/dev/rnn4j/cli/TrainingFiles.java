package dev.rnn4j.cli;

import dev.rnn4j.io.AtomicFiles;
import dev.rnn4j.io.Checksums;
import dev.rnn4j.io.Safetensors;
import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.ClassificationCheckpoint;
import dev.rnn4j.train.DataConfig;
import dev.rnn4j.train.TimeSeries;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The files that {@code train} and {@code predict} share: checkpoints and CSV series. As in {@link
 * ModuleFiles}, a file that cannot be read is bad input like a malformed one: every problem becomes
 * an {@link IllegalArgumentException} whose message names the option or the file.
 */
final class TrainingFiles {
  private TrainingFiles() {}

  /** Draws one chart of a run; see {@link #drawPng}. */
  @FunctionalInterface
  interface PngWriter {
    void write() throws IOException, Plots.UnavailableException;
  }

  /** Runs {@code writer}, a chart for {@code png} in the run folder; a write error names --out. */
  static void drawPng(Path png, PngWriter writer) throws Plots.UnavailableException {
    try {
      writer.write();
    } catch (IOException e) {
      throw new IllegalArgumentException(Failures.describe("--out", png, e), e);
    }
  }

  /** Reads and verifies the checkpoint given as {@code option}. */
  static Checkpoint readCheckpoint(String option, Path path) {
    try {
      return Checkpoint.read(path);
    } catch (IOException e) {
      throw new IllegalArgumentException(Failures.describe(option, path, e), e);
    }
  }

  /**
   * The series {@code data} names, or the columns of {@code data} read from {@code csv} when it is
   * not null. {@code source} says where an unreadable file name came from, say {@code "--csv"}.
   */
  static TimeSeries readSeries(DataConfig data, String csv, String source) {
    DataConfig read =
        csv == null
            ? data
            : new DataConfig(
                csv,
                data.columns(),
                data.window(),
                data.horizon(),
                data.stride(),
                data.validationFraction(),
                data.normalize(),
                data.anchored());
    try {
      return read.readSeries();
    } catch (UncheckedIOException e) {
      if (read.csv() == null) {
        throw e; // the shipped dataset is missing from the jar: a broken build, not bad input
      }
      // TimeSeries wraps the JDK's exception, whose message is only the path.
      throw new IllegalArgumentException(
          Failures.describe(source, Path.of(read.csv()), e.getCause()), e);
    }
  }

  /**
   * Whether the checkpoint given as {@code option} is a classification checkpoint; false for any
   * other file, which the forecasting reader then describes.
   */
  static boolean isClassification(String option, Path path) {
    try {
      return ClassificationCheckpoint.isClassification(Safetensors.read(path));
    } catch (IOException | IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * The CSV a resumed run reads (null: the shipped data set). Without {@code --csv} it is {@code
   * storedCsv}, the checkpoint's; when that file is gone and the checkpoint recorded its checksum,
   * the message says to pass {@code --csv}. With {@code --csv} it is that file, whose content must
   * hash to {@code storedSha256}, the checksum the run recorded when it began.
   *
   * @param csvOption the {@code --csv} given, or null
   * @param storedCsv the checkpoint's CSV, or null for the shipped data set
   * @param storedSha256 the checkpoint's data checksum, or null for a checkpoint from before it
   */
  static String resumedCsv(Path csvOption, String storedCsv, String storedSha256) {
    String stored = storedCsv == null ? "the shipped data set" : storedCsv;
    if (csvOption == null) {
      if (storedCsv != null && storedSha256 != null && !Files.exists(Path.of(storedCsv))) {
        throw new IllegalArgumentException(
            String.format(
                "the checkpoint's CSV %s: no such file or directory; if it moved, pass --csv FILE"
                    + " with --resume (its content must have the checksum %s)",
                storedCsv, Checksums.prefix(storedSha256)));
      }
      return storedCsv;
    }
    if (storedSha256 == null) {
      throw new IllegalArgumentException(
          String.format(
              "--csv %s: the checkpoint records no checksum of its data (an earlier rnn4j wrote"
                  + " it), so no other file can stand in for %s; resume without --csv",
              csvOption, stored));
    }
    String actual;
    try {
      actual = Checksums.sha256(csvOption);
    } catch (IOException e) {
      throw new IllegalArgumentException(Failures.describe("--csv", csvOption, e), e);
    }
    if (!actual.equals(storedSha256)) {
      throw new IllegalArgumentException(
          String.format(
              "--csv %s: content checksum %s does not match the checkpoint's data (expected %s, the"
                  + " checksum of %s when the run began)",
              csvOption, Checksums.prefix(actual), Checksums.prefix(storedSha256), stored));
    }
    return csvOption.toAbsolutePath().toString();
  }

  /**
   * The content checksum of the data a new run reads, from {@code sha256}; a file that cannot be
   * read is described as {@code option}'s.
   */
  static String contentSha256(String option, String csv, Supplier<String> sha256) {
    try {
      return sha256.get();
    } catch (UncheckedIOException e) {
      if (csv == null) {
        throw e; // the shipped dataset is missing from the jar: a broken build, not bad input
      }
      throw new IllegalArgumentException(Failures.describe(option, Path.of(csv), e.getCause()), e);
    }
  }

  /**
   * Creates the run folder {@code dir} if missing and removes the temporary files that interrupted
   * saves left there, and in the folder of the checkpoint {@code resume} (null for a new run).
   */
  static void prepareFolder(Path dir, Path resume) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IllegalArgumentException(Failures.describe("--out", dir, e), e);
    }
    removeStaleTemporaries("--out", dir);
    if (resume != null) {
      removeStaleTemporaries("--resume", resume.toAbsolutePath().getParent());
    }
  }

  private static void removeStaleTemporaries(String option, Path folder) {
    try {
      AtomicFiles.removeStaleTemporaries(folder);
    } catch (IOException e) {
      throw new IllegalArgumentException(Failures.describe(option, folder, e), e);
    }
  }

  /** Reads and verifies the classification checkpoint given as {@code option}. */
  static ClassificationCheckpoint readClassificationCheckpoint(String option, Path path) {
    try {
      return ClassificationCheckpoint.read(path);
    } catch (IOException e) {
      throw new IllegalArgumentException(Failures.describe(option, path, e), e);
    }
  }
}
