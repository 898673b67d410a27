package dev.rnn4j.train;

import dev.rnn4j.io.Checksums;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The content checksum a run records for its data: the SHA-256 of the CSV file's bytes, or of the
 * shipped resource's when the run reads the shipped data set. A resumed run accepts a CSV at
 * another path when its bytes hash to the same value.
 */
final class DataChecksum {
  private DataChecksum() {}

  /**
   * The SHA-256 of {@code csv}'s bytes, or of {@code resource}'s when {@code csv} is null.
   *
   * @throws UncheckedIOException if the file cannot be read
   */
  static String sha256(String csv, String resource) {
    try {
      if (csv != null) {
        return Checksums.sha256(Path.of(csv));
      }
      try (InputStream in = DataChecksum.class.getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalStateException(resource + " is missing from the classpath");
        }
        return Checksums.sha256(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + (csv != null ? csv : resource), e);
    }
  }
}
