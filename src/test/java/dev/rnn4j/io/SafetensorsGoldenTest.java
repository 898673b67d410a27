package dev.rnn4j.io;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.rnn4j.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The writer's output byte for byte against what the Python {@code safetensors} library writes for
 * the same content. The expected bytes are built here by hand from the format: an 8-byte
 * little-endian header length, the header as {@code serde_json} writes it (compact, {@code
 * __metadata__} first, each entry's keys in the order dtype, shape, data_offsets, non-ASCII
 * unescaped), padded with spaces to a multiple of 8, then the little-endian data. Tensors are put
 * in the order Python sorts them: by descending dtype (I64, F64, F32, I32), then by name.
 */
class SafetensorsGoldenTest {

  @Test
  void oneFloat32TensorNeedsNoPadding() {
    // The header is exactly 64 bytes, so no padding follows it.
    byte[] expected =
        concat(
            hex("4000000000000000"),
            ascii("{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}"),
            hex("00000000 0000803f 00000040 00004040 00008040 0000a040"));

    byte[] actual =
        Safetensors.writer()
            .put("attn.0", Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 1, 2, 3))
            .toByteArray();

    assertArrayEquals(expected, actual);
  }

  @Test
  void headerIsPaddedWithSpacesToAMultipleOfEight() {
    // 65 header bytes, padded with 7 spaces to 72.
    byte[] expected =
        concat(
            hex("4800000000000000"),
            ascii("{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}"),
            ascii("       "),
            hex("00000000 0000803f 00000040 00004040 00008040 0000a040"));

    byte[] actual =
        Safetensors.writer()
            .put("attn0", Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 1, 1, 2, 3))
            .toByteArray();

    assertArrayEquals(expected, actual);
  }

  @Test
  void emptyFile() {
    byte[] expected = concat(hex("0800000000000000"), ascii("{}      "));

    assertArrayEquals(expected, Safetensors.writer().toByteArray());
  }

  @Test
  void metadataOnly() {
    // 35 header bytes, padded with 5 spaces to 40.
    byte[] expected =
        concat(hex("2800000000000000"), ascii("{\"__metadata__\":{\"framework\":\"pt\"}}     "));

    assertArrayEquals(expected, Safetensors.writer().metadata("framework", "pt").toByteArray());
  }

  @Test
  void everyWrittenDtypeWithMetadataEscapesAndEmptyTensors() {
    // 317 header bytes ("ä" is two UTF-8 bytes, written raw; the quote is escaped), padded with 3
    // spaces to 320 = 0x140.
    String header =
        "{\"__metadata__\":{\"format\":\"pt\"},"
            + "\"lengths\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]},"
            + "\"w\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[16,24]},"
            + "\"b\\\"\u00e4\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,32]},"
            + "\"e\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[32,32]},"
            + "\"i\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[32,36]}}";
    byte[] expected =
        concat(
            hex("4001000000000000"),
            header.getBytes(UTF_8),
            ascii("   "),
            hex("0300000000000000 0100000000000000"), // lengths: 3, 1
            hex("000000000000e03f"), // w: 0.5
            hex("0000803f 000000c0"), // b"ä: 1.0, -2.0
            hex("f9ffffff")); // i: -7

    byte[] actual =
        Safetensors.writer()
            .metadata("format", "pt")
            .putInt64("lengths", new long[] {3, 1}, 2)
            .put("w", Tensor.of(new double[] {0.5}, 1))
            .put("b\"\u00e4", Tensor.of(new float[] {1, -2}, 2))
            .put("e", Tensor.of(new float[0], 0, 3))
            .putInt32("i", new int[] {-7})
            .toByteArray();

    assertArrayEquals(expected, actual);
  }

  @Test
  void controlCharactersAreEscapedAsSerdeJsonEscapesThem() {
    // serde_json: short escapes for \b \t \n \f \r, six-character escapes with lowercase hex for
    // the other control characters, and DEL (0x7f) unescaped.
    String name = "a\b\t\n\f\r\u0001\u001f\u007f";
    String header =
        "{\"a\\b\\t\\n\\f\\r\\u0001\\u001f\u007f\":"
            + "{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    int padding = (8 - header.length() % 8) % 8;
    byte[] expected =
        concat(
            new byte[] {(byte) (header.length() + padding), 0, 0, 0, 0, 0, 0, 0},
            ascii(header),
            ascii(" ".repeat(padding)),
            hex("05000000"));

    assertArrayEquals(
        expected, Safetensors.writer().putInt32(name, new int[] {5}, 1).toByteArray());
  }

  private static byte[] ascii(String s) {
    return s.getBytes(UTF_8);
  }

  private static byte[] hex(String s) {
    String digits = s.replace(" ", "");
    byte[] out = new byte[digits.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) Integer.parseInt(digits.substring(2 * i, 2 * i + 2), 16);
    }
    return out;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
