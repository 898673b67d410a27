package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.fail;

import dev.rnn4j.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Corrupted files are refused with {@link IllegalArgumentException} and nothing else: no index out
 * of bounds, no negative array size, no out-of-memory from a length read from the file. A file that
 * parses decodes without error. Deterministic (fixed seed), so a failure reproduces.
 */
class SafetensorsFuzzTest {
  private static final int ITERATIONS = 20_000;
  private static final byte[] JSON_BYTES =
      "{}[],:\"0123456789-.eE \\u".getBytes(StandardCharsets.US_ASCII);

  @Test
  void corruptedFilesFailOnlyWithIllegalArgumentException() {
    List<byte[]> bases =
        List.of(
            Safetensors.writer().toByteArray(),
            Safetensors.writer()
                .metadata("format", "pt")
                .put("weight_ih_l0", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3))
                .put("bias", Tensor.of(new double[] {1, 2}, 2))
                .putInt64("lengths", new long[] {3, 1}, 2)
                .putInt32("ids", new int[] {7}, 1)
                .put("empty", Tensor.of(new float[0], 0, 4))
                .toByteArray(),
            Safetensors.writer().put("s", Tensor.of(new float[] {1})).toByteArray());
    Random random = new Random(20240607L);
    int parsed = 0;
    for (int i = 0; i < ITERATIONS; i++) {
      byte[] bytes = bases.get(random.nextInt(bases.size())).clone();
      int mutations = 1 + random.nextInt(3);
      for (int m = 0; m < mutations; m++) {
        bytes = mutate(bytes, random);
      }
      SafetensorsFile f;
      try {
        f = Safetensors.parse(bytes, "fuzz");
      } catch (IllegalArgumentException expected) {
        continue;
      } catch (Throwable t) {
        throw new AssertionError("iteration " + i + ": " + Arrays.toString(bytes), t);
      }
      parsed++;
      try {
        for (String name : f.names()) {
          switch (f.dtype(name)) {
            case "F32":
            case "F64":
              f.tensor(name);
              break;
            case "I64":
            case "I32":
              f.int64s(name);
              break;
            default:
              f.shape(name);
          }
        }
      } catch (Throwable t) {
        throw new AssertionError(
            "iteration " + i + " parsed but did not decode: " + Arrays.toString(bytes), t);
      }
    }
    if (parsed == 0) {
      fail("no mutated file parsed: the mutations are too destructive to test decoding");
    }
  }

  private static byte[] mutate(byte[] bytes, Random random) {
    int headerEnd =
        bytes.length >= 8
            ? (int)
                Math.min(
                    bytes.length,
                    8
                        + Math.max(
                            0,
                            ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong()))
            : bytes.length;
    switch (random.nextInt(6)) {
      case 0: // a random byte anywhere
        if (bytes.length > 0) {
          bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
        }
        return bytes;
      case 1: // a JSON-significant byte in the header
        if (headerEnd > 8) {
          bytes[8 + random.nextInt(headerEnd - 8)] = JSON_BYTES[random.nextInt(JSON_BYTES.length)];
        }
        return bytes;
      case 2: // truncate
        return Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
      case 3: // extend with junk
        return Arrays.copyOf(bytes, bytes.length + 1 + random.nextInt(16));
      case 4: // a new header length, small or huge
        if (bytes.length >= 8) {
          long n = random.nextBoolean() ? random.nextInt(bytes.length + 8) : random.nextLong();
          ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(n);
        }
        return bytes;
      default: // a digit in the header changed, to move offsets and dimensions
        for (int tries = 0; tries < 20 && headerEnd > 8; tries++) {
          int at = 8 + random.nextInt(headerEnd - 8);
          if (bytes[at] >= '0' && bytes[at] <= '9') {
            bytes[at] = (byte) ('0' + random.nextInt(10));
            break;
          }
        }
        return bytes;
    }
  }
}
