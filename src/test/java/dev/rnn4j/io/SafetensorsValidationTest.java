package dev.rnn4j.io;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A safetensors file is untrusted input: every malformed file is refused with an exact message that
 * names the source, the rule and the values.
 */
class SafetensorsValidationTest {
  private static final String SRC = "bad.safetensors";

  @TempDir Path dir;

  // ---- the 8-byte header length -----------------------------------------------------------------

  @Test
  void fileShorterThanTheHeaderLength() {
    assertEquals(
        "bad.safetensors: a safetensors file starts with an 8-byte header length, but the "
            + "file is 5 bytes (truncated file)",
        error(new byte[5]));
  }

  @Test
  void headerLengthBeyondTheFile() {
    byte[] bytes = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN).putLong(100).array();

    assertEquals(
        "bad.safetensors: header length 100 is longer than the file: only 20 bytes follow "
            + "the 8-byte header length (truncated file)",
        error(bytes));
  }

  @Test
  void headerLengthOverTheBound() {
    byte[] bytes =
        ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(100_000_001).array();

    assertEquals(
        "bad.safetensors: header length 100000001 is over the limit of 100000000 bytes",
        error(bytes));
  }

  @Test
  void headerLengthIsReadAsUnsigned() {
    byte[] bytes = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array();

    assertEquals(
        "bad.safetensors: header length 18446744073709551615 is over the limit of 100000000 "
            + "bytes",
        error(bytes));
  }

  // ---- the header JSON --------------------------------------------------------------------------

  @Test
  void malformedJson() {
    assertEquals(
        "bad.safetensors: header is not valid JSON: Unexpected character ('\"' (code 34)): was "
            + "expecting comma to separate Object entries (line 1, column 21)",
        error(file("{\"w\":{\"dtype\":\"F32\" \"shape\":[1]}}", 4)));
  }

  @Test
  void headerNotUtf8() {
    byte[] bytes = file("{\"a\":1}", 0);
    bytes[10] = (byte) 0xff;

    assertEquals(
        "bad.safetensors: header is not valid UTF-8: malformed byte sequence at header byte 2",
        error(bytes));
  }

  @Test
  void headerNotAnObject() {
    assertEquals(
        "bad.safetensors: header must be a JSON object, got [1,2]", error(file("[1,2]", 0)));
    assertEquals(
        "bad.safetensors: header must be a JSON object, got no JSON value",
        error(file("        ", 0)));
  }

  @Test
  void contentAfterTheHeaderObject() {
    assertEquals(
        "bad.safetensors: header is not valid JSON: content after the header object (line 1, "
            + "column 3)",
        error(file("{}{}", 0)));
  }

  @Test
  void duplicateTensorName() {
    String entry = "{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}";

    assertEquals(
        "bad.safetensors: header is not valid JSON: Duplicate field 'a' (line 1, " + "column 58)",
        error(file("{\"a\":" + entry + ",\"a\":" + entry + "}", 0)));
  }

  @Test
  void entryNotAnObject() {
    assertEquals(
        "bad.safetensors: tensor \"w\" must be a JSON object with dtype, shape and "
            + "data_offsets, got \"F32\"",
        error(file("{\"w\":\"F32\"}", 0)));
  }

  @Test
  void entryMissingAField() {
    assertEquals(
        "bad.safetensors: tensor \"w\" has no shape; an entry needs dtype, shape and "
            + "data_offsets",
        error(file("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,0]}}", 0)));
  }

  @Test
  void dtypeNotAString() {
    assertEquals(
        "bad.safetensors: tensor \"w\": dtype must be a string, got 32",
        error(file("{\"w\":{\"dtype\":32,\"shape\":[],\"data_offsets\":[0,4]}}", 4)));
  }

  @Test
  void unknownDtype() {
    assertEquals(
        "bad.safetensors: tensor \"w\": unknown dtype \"F128\"; a safetensors dtype is one of "
            + "BOOL, F4, F6_E2M3, F6_E3M2, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0, F8_E4M3FNUZ, F8_E5M2FNUZ, "
            + "I16, U16, F16, BF16, I32, U32, F32, C64, F64, I64, U64",
        error(file("{\"w\":{\"dtype\":\"F128\",\"shape\":[1],\"data_offsets\":[0,16]}}", 16)));
  }

  @Test
  void negativeDimension() {
    assertEquals(
        "bad.safetensors: tensor \"w\": shape [2, -1] has a negative dimension -1",
        error(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,-1],\"data_offsets\":[0,0]}}", 0)));
  }

  @Test
  void nonIntegerDimension() {
    assertEquals(
        "bad.safetensors: tensor \"w\": shape must be an array of integers, got 2.0 at index 1",
        error(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1,2.0],\"data_offsets\":[0,8]}}", 8)));
    assertEquals(
        "bad.safetensors: tensor \"w\": shape must be an array of integers, got \"2\"",
        error(file("{\"w\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}", 8)));
  }

  @Test
  void dimensionOverIntRange() {
    assertEquals(
        "bad.safetensors: tensor \"w\": shape [0, 3000000000] has dimension 3000000000, over "
            + "the largest supported dimension 2147483647",
        error(
            file(
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[0,3000000000],\"data_offsets\":[0,0]}}", 0)));
  }

  @Test
  void offsetsNotAPairOfNonNegativeIntegers() {
    String format = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":%s}}";
    for (String offsets :
        List.of("[0]", "[0,4,8]", "[-4,0]", "[0,4.0]", "\"0,4\"", "[0,99999999999999999999]")) {
      assertEquals(
          "bad.safetensors: tensor \"w\": data_offsets must be [begin, end], two non-negative "
              + "integers, got "
              + offsets,
          error(file(String.format(format, offsets), 4)),
          offsets);
    }
  }

  @Test
  void offsetsOutsideTheFile() {
    assertEquals(
        "bad.safetensors: tensor \"w\": data_offsets [0, 16] run past the end of the data "
            + "section, which is 8 bytes (offsets outside the file)",
        error(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8)));
  }

  @Test
  void beginAfterEnd() {
    assertEquals(
        "bad.safetensors: tensor \"w\": data_offsets [8, 0] begin after they end; expected "
            + "[begin, end] with begin <= end",
        error(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8)));
  }

  @Test
  void dtypeAndByteLengthMismatch() {
    assertEquals(
        "bad.safetensors: tensor \"w\": dtype F32 and shape [2, 3] need 24 bytes, but "
            + "data_offsets [0, 16] hold 16 bytes (dtype and byte length mismatch)",
        error(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,16]}}", 16)));
  }

  @Test
  void byteLengthOverflowIsAMismatchNotAWrapAround() {
    // 2^31-1 cubed times 8 bytes wraps a long; without overflow checks it could match a small
    // range.
    assertEquals(
        "bad.safetensors: tensor \"w\": dtype F64 and shape [2147483647, 2147483647, "
            + "2147483647] need more than 1152921504606846975 bytes, but data_offsets [0, 8] hold 8 bytes "
            + "(dtype and byte length mismatch)",
        error(
            file(
                "{\"w\":{\"dtype\":\"F64\",\"shape\":[2147483647,2147483647,2147483647],"
                    + "\"data_offsets\":[0,8]}}",
                8)));
  }

  @Test
  void subByteDtypeNotAWholeNumberOfBytes() {
    assertEquals(
        "bad.safetensors: tensor \"w\": dtype F4 and shape [3] make 12 bits, which is not a "
            + "whole number of bytes",
        error(file("{\"w\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,2]}}", 2)));
  }

  // ---- how the ranges cover the data section ----------------------------------------------------

  @Test
  void overlappingRanges() {
    assertEquals(
        "bad.safetensors: tensors \"a\" (data_offsets [0, 8]) and \"b\" (data_offsets [4, 12]) "
            + "overlap",
        error(
            file(
                "{\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]},"
                    + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                12)));
  }

  @Test
  void gapBetweenRanges() {
    assertEquals(
        "bad.safetensors: data bytes [4, 8) belong to no tensor: \"a\" ends at 4 and \"b\" "
            + "begins at 8; tensors must cover the data section without gaps",
        error(
            file(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                    + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
                12)));
  }

  @Test
  void gapBeforeTheFirstRange() {
    assertEquals(
        "bad.safetensors: data bytes [0, 4) belong to no tensor: the first tensor, \"a\", "
            + "begins at 4; tensors must cover the data section without gaps",
        error(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8)));
  }

  @Test
  void bytesAfterTheLastRange() {
    assertEquals(
        "bad.safetensors: data bytes [4, 12) belong to no tensor: the last tensor, \"a\", ends "
            + "at 4; tensors must cover the data section without gaps",
        error(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 12)));
    assertEquals(
        "bad.safetensors: the header lists no tensors, but the data section is 3 bytes; "
            + "tensors must cover the data section without gaps",
        error(file("{}", 3)));
  }

  // ---- __metadata__ -----------------------------------------------------------------------------

  @Test
  void metadataNotAnObject() {
    assertEquals(
        "bad.safetensors: __metadata__ must be an object of string to string, got [\"pt\"]",
        error(file("{\"__metadata__\":[\"pt\"]}", 0)));
  }

  @Test
  void metadataValueNotAString() {
    assertEquals(
        "bad.safetensors: __metadata__ must be an object of string to string, but key "
            + "\"epochs\" has value 3",
        error(file("{\"__metadata__\":{\"format\":\"pt\",\"epochs\":3}}", 0)));
  }

  // ---- decoding ---------------------------------------------------------------------------------

  @Test
  void tensorOfAnInt64Tensor() {
    SafetensorsFile f =
        Safetensors.parse(
            Safetensors.writer().putInt64("lengths", new long[] {3, 1}, 2).toByteArray(), SRC);

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> f.tensor("lengths"));
    assertEquals(
        "bad.safetensors: tensor \"lengths\" has dtype I64, but tensor() reads F32 or F64 only "
            + "(int64s() reads I64 and I32)",
        e.getMessage());
  }

  @Test
  void int64sOfAFloat32Tensor() {
    SafetensorsFile f =
        Safetensors.parse(
            Safetensors.writer().put("w", Tensor.of(new float[] {1}, 1)).toByteArray(), SRC);

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.int64s("w"));
    assertEquals(
        "bad.safetensors: tensor \"w\" has dtype F32, but int64s() reads I64 or I32 only "
            + "(tensor() reads F32 and F64)",
        e.getMessage());
  }

  @Test
  void otherDtypesAreListedButNotDecoded() {
    SafetensorsFile f =
        Safetensors.parse(
            file(
                "{\"h\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                    + "\"m\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[4,7]},"
                    + "\"q\":{\"dtype\":\"F4\",\"shape\":[2],\"data_offsets\":[7,8]}}",
                8),
            SRC);

    assertEquals(List.of("h", "m", "q"), f.names());
    assertEquals("BF16", f.dtype("h"));
    assertArrayEquals(new int[] {3}, f.shape("m"));
    assertEquals(
        "bad.safetensors: tensor \"h\" has dtype BF16, but tensor() reads F32 or F64 only",
        assertThrows(IllegalArgumentException.class, () -> f.tensor("h")).getMessage());
    assertEquals(
        "bad.safetensors: tensor \"m\" has dtype BOOL, but int64s() reads I64 or I32 only",
        assertThrows(IllegalArgumentException.class, () -> f.int64s("m")).getMessage());
  }

  @Test
  void unknownName() {
    SafetensorsFile f =
        Safetensors.parse(
            Safetensors.writer()
                .put("a", Tensor.of(new float[] {1}, 1))
                .put("b", Tensor.of(new float[] {1}, 1))
                .toByteArray(),
            SRC);

    assertEquals(
        "bad.safetensors: no tensor named \"c\"; the file holds [\"a\", \"b\"]",
        assertThrows(IllegalArgumentException.class, () -> f.tensor("c")).getMessage());
    assertEquals(
        "bad.safetensors: no tensor named \"__metadata__\"; the file holds [\"a\", \"b\"]",
        assertThrows(IllegalArgumentException.class, () -> f.shape("__metadata__")).getMessage());
  }

  @Test
  void extraEntryFieldsAreIgnoredAsTheRustCrateIgnoresThem() {
    SafetensorsFile f =
        Safetensors.parse(
            file(
                "{\"w\":{\"x\":[1,{}],\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
            SRC);

    assertArrayEquals(new long[] {0}, f.int64s("w"));
  }

  @Test
  void namesFollowDataOffsetsNotHeaderOrder() {
    SafetensorsFile f =
        Safetensors.parse(
            file(
                "{\"b\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[4,8]},"
                    + "\"e\":{\"dtype\":\"I32\",\"shape\":[0],\"data_offsets\":[4,4]},"
                    + "\"a\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                8),
            SRC);

    assertEquals(List.of("a", "e", "b"), f.names());
  }

  // ---- read(Path) -------------------------------------------------------------------------------

  @Test
  void readChecksTheSizeFirst() throws IOException {
    Path big = dir.resolve("big.safetensors");
    try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
      f.setLength(3L << 30); // sparse: no disk space is used
    }

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Safetensors.read(big));
    assertEquals(
        big
            + ": file is 3221225472 bytes, over the 2147483639 bytes (2 GiB) that rnn4j reads "
            + "into memory",
        e.getMessage());
  }

  @Test
  void readValidatesAsParseDoes() throws IOException {
    Path path = dir.resolve("short.safetensors");
    Files.write(path, ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(64).array());

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Safetensors.read(path));
    assertEquals(
        path
            + ": header length 64 is longer than the file: only 4 bytes follow the 8-byte "
            + "header length (truncated file)",
        e.getMessage());
  }

  @Test
  void readOfATinyFile() throws IOException {
    Path path = dir.resolve("tiny.safetensors");
    Files.write(path, new byte[3]);

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Safetensors.read(path));
    assertEquals(
        path
            + ": a safetensors file starts with an 8-byte header length, but the file is 3 "
            + "bytes (truncated file)",
        e.getMessage());
  }

  /** A file with {@code header} (unpadded) and {@code dataBytes} zero bytes of data. */
  private static byte[] file(String header, int dataBytes) {
    byte[] h = header.getBytes(UTF_8);
    return ByteBuffer.allocate(8 + h.length + dataBytes)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putLong(h.length)
        .put(h)
        .array();
  }

  private static String error(byte[] bytes) {
    return assertThrows(IllegalArgumentException.class, () -> Safetensors.parse(bytes, SRC))
        .getMessage();
  }
}
