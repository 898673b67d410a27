package dev.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.spark.example.SparkForecastExample;
import dev.rnn4j.train.Checkpoint;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Console;

/** docs/spark.md's example: the document shows this file as it is, and it runs. */
@Tag("integration")
@Tag("spark")
class SparkExampleTest {
  private static final Path EXAMPLE =
      Path.of("src/test/java/dev/rnn4j/spark/example/SparkForecastExample.java");

  @TempDir Path tmp;

  @Test
  void theDocumentShowsTheExampleAsItIs() throws Exception {
    String doc = Files.readString(Path.of("docs/spark.md"));
    String code = Files.readString(EXAMPLE);
    assertTrue(
        doc.contains("```java\n" + code + "```\n"),
        "docs/spark.md must quote " + EXAMPLE + " whole, in a java block");
  }

  @Test
  void theExampleTrainsOnSparkThenScoresADataFrame() throws Exception {
    Path checkpoint = tmp.resolve("co2.safetensors");
    // The example prints its progress and a preview for a reader at a terminal; here both are kept
    // and checked. show() prints through Scala's Console, which took System.out once, at its start.
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream capture = new PrintStream(printed, true, StandardCharsets.UTF_8);
    PrintStream out = System.out;
    List<Row> scored;
    System.setOut(capture);
    try {
      scored = Console.withOut(capture, () -> scoredRows(checkpoint));
    } finally {
      System.setOut(out);
    }
    List<String> lines = printed.toString(StandardCharsets.UTF_8).lines().toList();
    for (int epoch = 1; epoch <= 3; epoch++) {
      String prefix = "epoch " + epoch + "  train loss ";
      assertEquals(
          1, lines.stream().filter(l -> l.startsWith(prefix)).count(), prefix + ": " + lines);
    }
    assertTrue(
        lines.stream().anyMatch(l -> l.startsWith("|row|forecast")), "show()'s header: " + lines);
    assertTrue(lines.contains("only showing top 3 rows"), "show()'s footer: " + lines);
    assertEquals(3, Checkpoint.read(checkpoint).epoch());
    assertEquals(821 - 24 + 1, scored.size());
    Row last = scored.get(scored.size() - 1);
    assertEquals(821, last.getInt(0));
    List<Float> forecast = last.getList(1);
    assertEquals(6, forecast.size());
    for (float v : forecast) {
      assertTrue(v > 400 && v < 450, "a forecast in ppm near the series' end: " + forecast);
    }
  }

  private static List<Row> scoredRows(Path checkpoint) {
    try {
      return SparkForecastExample.run(LocalSpark.get(), checkpoint).collectAsList();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
