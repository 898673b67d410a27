package dev.rnn4j.cli;

import dev.rnn4j.io.Safetensors;
import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.ClassificationCheckpoint;
import dev.rnn4j.train.DataConfig;
import dev.rnn4j.train.TimeSeries;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The files that {@code train} and {@code predict} share: checkpoints and CSV series. As in
 * {@link ModuleFiles}, a file that cannot be read is bad input like a malformed one: every problem becomes
 * an {@link IllegalArgumentException} whose message names the option or the file.
 */
final class TrainingFiles {
  private TrainingFiles() {}

  /** Reads and verifies the checkpoint given as {@code option}. */
  static Checkpoint readCheckpoint(String option, Path path) {
    try {
      return Checkpoint.read(path);
    } catch (IOException e) {
      throw new IllegalArgumentException(Failures.describe(option, path, e), e);
    }
  }

  /**
   * The series {@code data} names, or the columns of {@code data} read from {@code csv} when it is not null.
   * {@code source} says where an unreadable file name came from, say {@code "--csv"}.
   */
  static TimeSeries readSeries(DataConfig data, String csv, String source) {
    DataConfig read = csv == null ? data : new DataConfig(csv, data.columns(), data.window(), data.horizon(),
        data.stride(), data.validationFraction(), data.normalize(), data.anchored());
    try {
      return read.readSeries();
    } catch (UncheckedIOException e) {
      if (read.csv() == null) {
        throw e; // the shipped dataset is missing from the jar: a broken build, not bad input
      }
      // TimeSeries wraps the JDK's exception, whose message is only the path.
      throw new IllegalArgumentException(Failures.describe(source, Path.of(read.csv()), e.getCause()), e);
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

  /** Reads and verifies the classification checkpoint given as {@code option}. */
  static ClassificationCheckpoint readClassificationCheckpoint(String option, Path path) {
    try {
      return ClassificationCheckpoint.read(path);
    } catch (IOException e) {
      throw new IllegalArgumentException(Failures.describe(option, path, e), e);
    }
  }
}
