package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SafetensorsWriter#dataChecksum()}: the SHA-256 of the data section in the metadata,
 * checked by every read; files without it (PyTorch's) read as before.
 */
class SafetensorsChecksumTest {
  private static final Tensor W = Tensor.of(new float[] {1.5f, -2f, 0.25f, 8f, 3f, -0.5f}, 2, 3);

  @TempDir Path dir;

  @Test
  void checksumIsTheSha256OfTheDataSectionStoredLast() throws IOException {
    Path path = dir.resolve("w.safetensors");
    Safetensors.writer().put("w", W).metadata("producer", "test").dataChecksum().write(path);

    byte[] bytes = Files.readAllBytes(path);
    long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    byte[] data = java.util.Arrays.copyOfRange(bytes, 8 + (int) headerLength, bytes.length);
    SafetensorsFile f = Safetensors.read(path);
    assertEquals(Checksums.sha256(data), f.metadata().get(Safetensors.DATA_CHECKSUM_KEY));
    assertEquals(
        java.util.List.of("producer", Safetensors.DATA_CHECKSUM_KEY),
        java.util.List.copyOf(f.metadata().keySet()));
    assertArrayEquals(W.toFloatArray(), f.tensor("w").toFloatArray());
    // hashlib.sha256(struct.pack("<6f", 1.5, -2, 0.25, 8, 3, -0.5)).hexdigest(), in Python.
    assertEquals(
        "af2b123a128733e5c118d182ca45b99bf003becdc81bae0c40797476fbae5b02",
        f.metadata().get(Safetensors.DATA_CHECKSUM_KEY));
  }

  @Test
  void flippedDataByteIsRefusedByReadAndParse() throws IOException {
    Path path = dir.resolve("w.safetensors");
    byte[] bytes = Safetensors.writer().put("w", W).dataChecksum().toByteArray();
    String stored = Safetensors.parse(bytes, "x").metadata().get(Safetensors.DATA_CHECKSUM_KEY);
    bytes[bytes.length - 3] ^= 0x01;
    Files.write(path, bytes);
    long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    String computed =
        Checksums.sha256(java.util.Arrays.copyOfRange(bytes, 8 + (int) headerLength, bytes.length));

    String expected =
        String.format(
            "%s: tensor data checksum mismatch (stored %s..., computed %s...): the file is corrupt",
            path, stored.substring(0, 12), computed.substring(0, 12));
    assertEquals(
        expected,
        assertThrows(IllegalArgumentException.class, () -> Safetensors.read(path)).getMessage());
    assertEquals(
        expected.replace(path.toString(), "mem"),
        assertThrows(IllegalArgumentException.class, () -> Safetensors.parse(bytes, "mem"))
            .getMessage());
  }

  @Test
  void everyFlippedDataByteIsRefused() {
    byte[] bytes = Safetensors.writer().put("w", W).dataChecksum().toByteArray();
    int dataStart = bytes.length - W.numel() * Float.BYTES;
    for (int i = dataStart; i < bytes.length; i++) {
      byte[] corrupt = bytes.clone();
      corrupt[i] ^= (byte) 0x80;
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Safetensors.parse(corrupt, "mem"));
      assertTrue(e.getMessage().contains("tensor data checksum mismatch"), e.getMessage());
    }
  }

  @Test
  void withoutTheOptionTheBytesAreAsBefore() {
    byte[] plain = Safetensors.writer().put("w", W).toByteArray();
    SafetensorsFile f = Safetensors.parse(plain, "mem");
    assertFalse(f.metadata().containsKey(Safetensors.DATA_CHECKSUM_KEY));
    assertEquals(0, f.metadata().size());
  }

  @Test
  void aPyTorchWrittenFileWithoutTheKeyLoads() throws IOException, URISyntaxException {
    // safetensors.torch.save_file of torch 2.13 (generate_io_fixtures.py): no rnn4j.sha256 entry.
    Path fixture =
        Path.of(
            getClass().getResource("/fixtures/io/torch-2.13.0/net_lstm_fc.safetensors").toURI());
    SafetensorsFile f = Safetensors.read(fixture);
    assertFalse(f.metadata().containsKey(Safetensors.DATA_CHECKSUM_KEY));
    assertFalse(f.names().isEmpty());
    for (String name : f.names()) {
      assertEquals(f.shape(name).length, f.tensor(name).shape().length, name);
    }
  }

  @Test
  void storedGarbageIsQuotedInTheMessage() {
    byte[] bytes = Safetensors.writer().put("w", W).metadata("a", "b").toByteArray();
    // Same length as "a":"b" -> a key of our own with a 1-character value would change the header
    // length, so rewrite a header of equal length by hand.
    String header =
        new String(bytes, 8, bytes.length - 8 - 24, java.nio.charset.StandardCharsets.UTF_8);
    String forged = header.replace("\"a\":\"b\"", "\"rnn4j.sha256\":\"\\n\"").stripTrailing();
    byte[] json = forged.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    ByteBuffer out = ByteBuffer.allocate(8 + json.length + 24).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(json.length).put(json).put(bytes, bytes.length - 24, 24);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Safetensors.parse(out.array(), "mem"));
    assertTrue(
        e.getMessage().startsWith("mem: tensor data checksum mismatch (stored \"\\n\", "),
        e.getMessage());
  }

  @Test
  void reservedKeyCannotBeSetByHand() {
    assertEquals(
        "metadata key \"rnn4j.sha256\" is reserved for the data section's checksum; dataChecksum()"
            + " writes it",
        assertThrows(
                IllegalArgumentException.class,
                () -> Safetensors.writer().metadata(Safetensors.DATA_CHECKSUM_KEY, "0"))
            .getMessage());
  }
}
