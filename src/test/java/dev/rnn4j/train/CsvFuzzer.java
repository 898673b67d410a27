package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jazzer's target for the CSV readers (docs/fuzzing.md): any file is read by {@link
 * TimeSeries#readCsv} (column {@code value}) and {@link LabelledSequences#readCsv} (columns {@code
 * id} and {@code label}, every other one a feature) or refused with the documented {@link
 * IllegalArgumentException}; what is read has the shapes its class documents.
 *
 * <p>Seeds: {@code CsvFuzzerInputs/read/}, heads of the shipped series and of a labelled sequence
 * file and small tables with quoting and comments.
 */
class CsvFuzzer {
  @TempDir static Path dir;

  @FuzzTest(maxDuration = "30s")
  void read(byte[] bytes) throws IOException {
    Path file = dir.resolve("fuzz.csv");
    Files.write(file, bytes);
    try {
      TimeSeries series = TimeSeries.readCsv(file, "value");
      assertEquals(List.of("value"), series.columns());
      assertEquals(series.length(), series.column("value").length);
    } catch (IllegalArgumentException refused) {
      // The documented refusal; anything else escapes and is a finding.
    }
    try {
      LabelledSequences sequences = LabelledSequences.readCsv(file, "id", "label", List.of());
      assertEquals(sequences.size(), sequences.sequences().size());
      for (float[][] sequence : sequences.sequences()) {
        for (float[] step : sequence) {
          assertEquals(sequences.features().size(), step.length);
        }
      }
      sequences.toDataset(sequences.classes());
    } catch (IllegalArgumentException refused) {
      // As above.
    }
  }
}
