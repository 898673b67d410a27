package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.backend.DType;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the writer writes, the reader reads back unchanged: values, dtypes, shapes, names, metadata.
 */
class SafetensorsRoundTripTest {
  @TempDir Path dir;

  @Test
  void float32KeepsEveryBit() {
    float[] values = {
      0f,
      -0f,
      1.5f,
      -3.25e-7f,
      Float.MIN_VALUE,
      Float.MAX_VALUE,
      Float.POSITIVE_INFINITY,
      Float.NEGATIVE_INFINITY,
      Float.NaN,
      Float.intBitsToFloat(0x7fc01234)
    };
    Tensor t = Tensor.of(values, 2, 5);

    SafetensorsFile f = roundTrip(Safetensors.writer().put("w", t));

    assertEquals("F32", f.dtype("w"));
    assertArrayEquals(new int[] {2, 5}, f.shape("w"));
    Tensor back = f.tensor("w");
    assertEquals(DType.FLOAT32, back.dtype());
    assertArrayEquals(new int[] {2, 5}, back.shape());
    float[] got = back.toFloatArray();
    for (int i = 0; i < values.length; i++) {
      assertEquals(
          Float.floatToRawIntBits(values[i]), Float.floatToRawIntBits(got[i]), "element " + i);
    }
  }

  @Test
  void float64KeepsEveryBit() {
    double[] values = {
      0d,
      -0d,
      Math.PI,
      -1e-300,
      Double.MIN_VALUE,
      Double.MAX_VALUE,
      Double.NaN,
      Double.longBitsToDouble(0x7ff8000000abcdefL)
    };
    Tensor t = Tensor.of(values, 4, 1, 2);

    SafetensorsFile f = roundTrip(Safetensors.writer().put("w", t));

    assertEquals("F64", f.dtype("w"));
    Tensor back = f.tensor("w");
    assertEquals(DType.FLOAT64, back.dtype());
    assertArrayEquals(new int[] {4, 1, 2}, back.shape());
    double[] got = back.toDoubleArray();
    for (int i = 0; i < values.length; i++) {
      assertEquals(
          Double.doubleToRawLongBits(values[i]),
          Double.doubleToRawLongBits(got[i]),
          "element " + i);
    }
  }

  @Test
  void int64() {
    long[] values = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 5};

    SafetensorsFile f = roundTrip(Safetensors.writer().putInt64("lengths", values, 3, 2));

    assertEquals("I64", f.dtype("lengths"));
    assertArrayEquals(new int[] {3, 2}, f.shape("lengths"));
    assertArrayEquals(values, f.int64s("lengths"));
  }

  @Test
  void int32IsWidenedToLong() {
    int[] values = {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE};

    SafetensorsFile f = roundTrip(Safetensors.writer().putInt32("lengths", values, 5));

    assertEquals("I32", f.dtype("lengths"));
    assertArrayEquals(new int[] {5}, f.shape("lengths"));
    assertArrayEquals(
        new long[] {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE}, f.int64s("lengths"));
  }

  @Test
  void scalarAndZeroElementTensors() {
    SafetensorsFile f =
        roundTrip(
            Safetensors.writer()
                .put("scalar", Tensor.of(new float[] {7}))
                .put("empty", Tensor.of(new double[0], 3, 0))
                .putInt64("no_lengths", new long[0], 0)
                .putInt32("empty_i32", new int[0], 0, 2, 0));

    assertArrayEquals(new int[0], f.shape("scalar"));
    assertEquals(7.0, f.tensor("scalar").getFlat(0));
    assertArrayEquals(new int[] {3, 0}, f.tensor("empty").shape());
    assertEquals(DType.FLOAT64, f.tensor("empty").dtype());
    assertArrayEquals(new long[0], f.int64s("no_lengths"));
    assertArrayEquals(new int[] {0, 2, 0}, f.shape("empty_i32"));
    assertArrayEquals(new long[0], f.int64s("empty_i32"));
  }

  @Test
  void namesKeepInsertionOrder() {
    SafetensorsWriter w = Safetensors.writer();
    List<String> order =
        List.of("weight_ih_l0", "bias_hh_l0", "a", "weight_hh_l0_reverse", "Z", "");
    for (String name : order) {
      w.put(name, Tensor.of(new float[] {1, 2}, 2));
    }

    SafetensorsFile f = roundTrip(w);

    assertEquals(order, f.names());
    assertTrue(f.contains("a"));
    assertTrue(f.contains(""));
    assertFalse(f.contains("b"));
    assertFalse(f.contains("__metadata__"));
  }

  @Test
  void metadataKeepsOrderAndStrings() {
    SafetensorsFile f =
        roundTrip(
            Safetensors.writer()
                .metadata("format", "pt")
                .metadata("torch_version", "2.5.1")
                .metadata("note", "quotes \" backslash \\ newline \n unicode \u00e9\ud83d\ude00")
                .put("w", Tensor.of(new float[] {1}, 1)));

    assertEquals(List.of("format", "torch_version", "note"), List.copyOf(f.metadata().keySet()));
    assertEquals(
        "quotes \" backslash \\ newline \n unicode \u00e9\ud83d\ude00", f.metadata().get("note"));
    assertEquals(List.of("w"), f.names());
    assertThrows(UnsupportedOperationException.class, () -> f.metadata().put("x", "y"));
  }

  @Test
  void noMetadataGivesAnEmptyMap() {
    SafetensorsFile f = roundTrip(Safetensors.writer().put("w", Tensor.of(new float[] {1}, 1)));

    assertEquals(Map.of(), f.metadata());
  }

  @Test
  void emptyFile() {
    SafetensorsFile f = roundTrip(Safetensors.writer());

    assertEquals(List.of(), f.names());
    assertEquals(Map.of(), f.metadata());
  }

  @Test
  void writeThenReadAFile() throws IOException {
    Path path = dir.resolve("model.safetensors");
    Tensor w = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);

    Safetensors.writer()
        .put("w", w)
        .putInt64("n", new long[] {9}, 1)
        .metadata("k", "v")
        .write(path);
    SafetensorsFile f = Safetensors.read(path);

    assertEquals(w, f.tensor("w"));
    assertArrayEquals(new long[] {9}, f.int64s("n"));
    assertEquals(Map.of("k", "v"), f.metadata());
    assertEquals("SafetensorsFile(" + path + ", 2 tensors)", f.toString());
  }

  @Test
  void writeReplacesAnExistingFileAndLeavesNoTemporaryFile() throws IOException {
    Path path = dir.resolve("model.safetensors");
    Files.write(path, new byte[] {1, 2, 3});

    Safetensors.writer().put("w", Tensor.of(new float[] {4}, 1)).write(path);

    assertEquals(Tensor.of(new float[] {4}, 1), Safetensors.read(path).tensor("w"));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(path), files.toList());
    }
  }

  @Test
  void writeToARelativePath() throws IOException {
    Path relative = Path.of("target", "io-test-" + System.nanoTime() + ".safetensors");
    try {
      Safetensors.writer().put("w", Tensor.of(new float[] {4}, 1)).write(relative);
      assertEquals(List.of("w"), Safetensors.read(relative).names());
    } finally {
      Files.deleteIfExists(relative);
    }
  }

  @Test
  void parseCopiesTheCallersBytes() {
    byte[] bytes = Safetensors.writer().put("w", Tensor.of(new float[] {1, 2}, 2)).toByteArray();

    SafetensorsFile f = Safetensors.parse(bytes, "mem");
    java.util.Arrays.fill(bytes, (byte) 0);

    assertEquals(Tensor.of(new float[] {1, 2}, 2), f.tensor("w"));
  }

  @Test
  void shapeReturnsACopy() {
    SafetensorsFile f = roundTrip(Safetensors.writer().put("w", Tensor.of(new float[] {1, 2}, 2)));

    f.shape("w")[0] = 99;

    assertArrayEquals(new int[] {2}, f.shape("w"));
  }

  private static SafetensorsFile roundTrip(SafetensorsWriter writer) {
    return Safetensors.parse(writer.toByteArray(), "round-trip");
  }
}
