package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimeSeriesTest {
  @TempDir Path dir;

  private Path write(String name, String text) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, text, StandardCharsets.UTF_8);
    return file;
  }

  private void assertFails(String expected, Path file, String... columns) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TimeSeries.readCsv(file, columns));
    assertEquals(expected, e.getMessage());
  }

  @Test
  void readsSelectedColumnsInTheOrderNamedAndRowsInFileOrder() throws IOException {
    Path file =
        write(
            "data.csv",
            "# a comment, as NOAA writes them\n"
                + "year,month,co2\n"
                + "1958,3,315.71\n"
                + "\n"
                + "1958, 4 ,\"317.45\"\r\n"
                + "1958,5,3.1751e2\n");
    TimeSeries s = TimeSeries.readCsv(file, "co2", "month");
    assertEquals(List.of("co2", "month"), s.columns());
    assertEquals(3, s.length());
    assertEquals(2, s.numColumns());
    assertArrayEquals(new double[] {315.71, 317.45, 317.51}, s.column("co2"));
    assertArrayEquals(new double[] {3, 4, 5}, s.column("month"));
    assertEquals(Tensor.of(new double[] {315.71, 3, 317.45, 4, 317.51, 5}, 3, 2), s.toTensor());
    assertEquals(file.toString(), s.source());
  }

  @Test
  void acceptsAByteOrderMarkAndAFileWithoutFinalNewline() throws IOException {
    Path file = write("bom.csv", "\uFEFFvalue\n1\n2");
    assertArrayEquals(new double[] {1, 2}, TimeSeries.readCsv(file, "value").column("value"));
  }

  @Test
  void missingColumnIsNamedWithTheColumnsPresent() throws IOException {
    Path file = write("data.csv", "year,month,co2_ppm\n1958,3,315.71\n");
    assertFails(
        file + " has no column \"co2\"; its columns are: year, month, co2_ppm", file, "co2");
  }

  @Test
  void nonNumericCellNamesFileLineColumnAndText() throws IOException {
    Path file = write("data.csv", "# comment\nyear,co2\n1958,315.71\n\n1959,n/a\n");
    assertFails(file + " line 5, column \"co2\": expected a number, got \"n/a\"", file, "co2");
  }

  @Test
  void emptyCellIsReported() throws IOException {
    Path file = write("data.csv", "year,co2\n1958,315.71\n1959,\n");
    assertFails(
        file + " line 3, column \"co2\": expected a number, got an empty cell", file, "co2");
  }

  @Test
  void javaOnlyNumberSpellingsAreRejected() throws IOException {
    for (String cell : List.of("NaN", "Infinity", "0x1p3", "1d", "1,5")) {
      Path file = write("data.csv", "co2\n\"" + cell + "\"\n");
      assertFails(
          file + " line 2, column \"co2\": expected a number, got \"" + cell + "\"", file, "co2");
    }
    Path file = write("big.csv", "co2\n1e999\n");
    assertFails(
        file + " line 2, column \"co2\": expected a finite number, got \"1e999\"", file, "co2");
  }

  @Test
  void unselectedColumnsAreNotParsed() throws IOException {
    Path file = write("data.csv", "date,co2\n1958-03,315.71\nmissing,316\n");
    assertArrayEquals(new double[] {315.71, 316}, TimeSeries.readCsv(file, "co2").column("co2"));
  }

  @Test
  void headerOnlyIsReported() throws IOException {
    Path file = write("data.csv", "year,co2\n");
    assertFails(file + " has a header but no data rows", file, "co2");
  }

  @Test
  void emptyFileIsReported() throws IOException {
    Path file = write("data.csv", "# only a comment\n\n");
    assertFails(file + " is empty: expected a header row and at least one data row", file, "co2");
  }

  @Test
  void duplicateHeaderNamesAreReported() throws IOException {
    Path file = write("data.csv", "co2,year,co2\n1,2,3\n");
    assertFails(
        file + " line 1: duplicate column \"co2\" in the header (columns 1 and 3)", file, "year");
  }

  @Test
  void raggedRowsAreReported() throws IOException {
    Path file = write("data.csv", "year,co2\n1958,315.71\n1959,316,x\n");
    assertFails(file + " line 3 has 3 cells, expected 2 (one per header column)", file, "co2");
    Path shortRow = write("short.csv", "year,co2\n1958\n");
    assertFails(
        shortRow + " line 2 has 1 cells, expected 2 (one per header column)", shortRow, "co2");
  }

  @Test
  void lineNumbersCountLineBreaksInsideQuotedCells() throws IOException {
    Path file = write("data.csv", "name,co2\n\"two\nlines\",1\nx,oops\n");
    assertFails(file + " line 4, column \"co2\": expected a number, got \"oops\"", file, "co2");
  }

  @Test
  void brokenQuotingIsReported() throws IOException {
    Path file = write("data.csv", "co2\n\"315.71\n");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TimeSeries.readCsv(file, "co2"));
    assertTrue(e.getMessage().startsWith(file + " is not valid CSV: "), e.getMessage());
  }

  @Test
  void invalidUtf8IsReported() throws IOException {
    Path file = dir.resolve("latin1.csv");
    Files.write(file, new byte[] {'c', 'o', '2', '\n', (byte) 0xE9, '\n'});
    assertFails(file + " is not valid UTF-8 text", file, "co2");
  }

  @Test
  void selectionMustBeNonEmptyAndDistinct() throws IOException {
    Path file = write("data.csv", "co2\n1\n");
    assertFails("at least one column must be selected, got none", file);
    assertFails("column \"co2\" is selected twice", file, "co2", "co2");
  }

  @Test
  void fromArrays() {
    TimeSeries s = TimeSeries.of(List.of("a", "b"), new double[][] {{1, 10}, {2, 20}, {3, 30}});
    assertEquals(3, s.length());
    assertEquals(20, s.get(1, 1));
    assertEquals("arrays", s.source());
    assertArrayEquals(new double[] {1, 2, 3}, TimeSeries.of("x", 1, 2, 3).column("x"));
    assertEquals(
        "rows[1] has 1 values, expected 2 (one per column)",
        assertThrows(
                IllegalArgumentException.class,
                () -> TimeSeries.of(List.of("a", "b"), new double[][] {{1, 2}, {3}}))
            .getMessage());
    assertEquals(
        "rows[0][0] must be finite, got NaN",
        assertThrows(IllegalArgumentException.class, () -> TimeSeries.of("x", Double.NaN))
            .getMessage());
    assertEquals(
        "the series has no column \"y\"; its columns are: x",
        assertThrows(IllegalArgumentException.class, () -> TimeSeries.of("x", 1).columnIndex("y"))
            .getMessage());
  }

  @Test
  void defaultDatasetIsMaunaLoaCo2() {
    TimeSeries s = TimeSeries.defaultDataset();
    assertEquals(List.of(TimeSeries.DEFAULT_COLUMN), s.columns());
    assertEquals("co2-mauna-loa-monthly.csv", s.source());
    // March 1958 to July 2026, every month.
    assertEquals(821, s.length());
    double[] co2 = s.column("co2_ppm");
    assertEquals(315.71, co2[0]); // March 1958, Keeling's first monthly mean
    assertEquals(429.12, co2[820]); // July 2026

    TimeSeries all = TimeSeries.defaultDataset(List.of("year", "month", "decimal_date", "co2_ppm"));
    double[] year = all.column("year");
    double[] month = all.column("month");
    double[] decimalDate = all.column("decimal_date");
    for (int t = 0; t < all.length(); t++) {
      assertEquals(1958 + (2 + t) / 12, year[t], "row " + t);
      assertEquals(1 + (2 + t) % 12, month[t], "row " + t);
      // NOAA dates the middle of twelve equal months; Scripps (to April 1974) the 15th of the
      // month.
      assertEquals(year[t] + (month[t] - 0.5) / 12, decimalDate[t], 0.01, "row " + t);
      assertTrue(co2[t] > 310 && co2[t] < 440, "row " + t + ": " + co2[t]);
      if (t > 0) {
        assertTrue(
            Math.abs(co2[t] - co2[t - 1]) < 4, "row " + t + ": a jump of " + (co2[t] - co2[t - 1]));
      }
    }
    int may2019 = (2019 - 1958) * 12 + 2;
    assertEquals(5, month[may2019]);
    assertEquals(414.86, co2[may2019]);
    // The trend: each decade's mean is higher than the last (about 316 ppm in 1959, above 410 after
    // 2018).
    assertTrue(mean(co2, 10, 22) < 317 && mean(co2, 10, 22) > 315);
    assertTrue(mean(co2, may2019 - 4, may2019 + 8) > 410);
  }

  private static double mean(double[] v, int from, int to) {
    double sum = 0;
    for (int i = from; i < to; i++) {
      sum += v[i];
    }
    return sum / (to - from);
  }
}
