package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer refuses what it could not write faithfully, and holds values as they were when put.
 */
class SafetensorsWriterTest {
  private static final Tensor ONE = Tensor.of(new float[] {1}, 1);

  @TempDir Path dir;

  @Test
  void duplicateNameIsAnError() {
    SafetensorsWriter w = Safetensors.writer().put("w", ONE);

    assertEquals(
        "tensor name \"w\" is already in this writer; names must be unique",
        assertThrows(IllegalArgumentException.class, () -> w.putInt64("w", new long[] {1}, 1))
            .getMessage());
  }

  @Test
  void metadataKeyIsReservedAsATensorName() {
    assertEquals(
        "tensor name \"__metadata__\" is reserved for the file's metadata",
        assertThrows(
                IllegalArgumentException.class, () -> Safetensors.writer().put("__metadata__", ONE))
            .getMessage());
  }

  @Test
  void duplicateMetadataKeyIsAnError() {
    SafetensorsWriter w = Safetensors.writer().metadata("format", "pt");

    assertEquals(
        "metadata key \"format\" is already set to \"pt\"; a key may be set once",
        assertThrows(IllegalArgumentException.class, () -> w.metadata("format", "np"))
            .getMessage());
  }

  @Test
  void unpairedSurrogateIsAnError() {
    assertEquals(
        "tensor name \"a\ud800\" has an unpaired surrogate U+D800 at index 1, which UTF-8 "
            + "cannot encode",
        assertThrows(IllegalArgumentException.class, () -> Safetensors.writer().put("a\ud800", ONE))
            .getMessage());
  }

  @Test
  void integerDataMustMatchTheShape() {
    assertEquals(
        "shape '[2, 2]' is invalid for input of size 3",
        assertThrows(
                IllegalArgumentException.class,
                () -> Safetensors.writer().putInt64("n", new long[3], 2, 2))
            .getMessage());
    assertEquals(
        "Trying to create tensor with negative dimension -1: [-1]",
        assertThrows(
                IllegalArgumentException.class,
                () -> Safetensors.writer().putInt32("n", new int[0], -1))
            .getMessage());
  }

  @Test
  void integerArraysAreCopiedWhenPut() {
    long[] lengths = {3, 1};
    int[] ids = {7};
    SafetensorsWriter w =
        Safetensors.writer().putInt64("lengths", lengths, 2).putInt32("ids", ids, 1);
    lengths[0] = 99;
    ids[0] = 99;

    SafetensorsFile f = Safetensors.parse(w.toByteArray(), "mem");

    assertArrayEquals(new long[] {3, 1}, f.int64s("lengths"));
    assertArrayEquals(new long[] {7}, f.int64s("ids"));
  }

  @Test
  void aWriterCanBeWrittenTwice() {
    SafetensorsWriter w = Safetensors.writer().put("w", ONE);

    assertArrayEquals(w.toByteArray(), w.toByteArray());
  }

  @Test
  void failedWriteLeavesNoTemporaryFile() throws IOException {
    Path target = dir.resolve("sub");
    Files.createDirectory(target);
    Files.writeString(target.resolve("keep"), "x"); // a non-empty folder cannot be replaced

    assertThrows(IOException.class, () -> Safetensors.writer().put("w", ONE).write(target));

    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(target), files.toList());
    }
  }
}
