package dev.rnn4j.io;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Objects;

/**
 * Reads and writes the safetensors format, which PyTorch and Hugging Face use to store tensors
 * without pickle: an 8-byte little-endian header length, a JSON header, then the raw little-endian,
 * row-major data.
 *
 * <pre>{@code
 * Safetensors.writer().put("weight_ih_l0", w).metadata("format", "pt").write(path);
 * SafetensorsFile f = Safetensors.read(path);
 * Tensor w = f.tensor("weight_ih_l0");
 * }</pre>
 *
 * <p>A file whose {@code __metadata__} holds {@value #DATA_CHECKSUM_KEY} (see {@link
 * SafetensorsWriter#dataChecksum()}) has its data section checked against it when read: a file
 * whose tensor bytes changed is refused. A file without it, such as PyTorch's, is read as it is.
 *
 * <p>A file is untrusted input: {@link #read} and {@link #parse} check every rule of the format
 * (the rules of the reference Rust crate) before they decode anything, and fail with an {@link
 * IllegalArgumentException} whose message names the file, the rule and the values found.
 */
public final class Safetensors {
  /**
   * The largest file {@link #read} accepts: the whole file is held in a Java array, which holds at
   * most this many bytes (just under 2 GiB).
   */
  static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;

  /**
   * The {@code __metadata__} key under which {@link SafetensorsWriter#dataChecksum()} stores the
   * SHA-256 of the data section, as 64 lowercase hex digits.
   */
  public static final String DATA_CHECKSUM_KEY = "rnn4j.sha256";

  private Safetensors() {}

  /**
   * Reads and validates the file at {@code path}. The file's size is checked before anything is
   * read, and the header before the data section is allocated, so a corrupt or hostile file costs
   * little.
   *
   * @throws IOException if the file cannot be read, or changes size while it is read
   * @throws IllegalArgumentException if the file is not a valid safetensors file, or is over 2 GiB;
   *     the message starts with {@code path}
   * @param path the file
   * @return the validated file, held in memory
   */
  public static SafetensorsFile read(Path path) throws IOException {
    String source = path.toString();
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size > MAX_FILE_BYTES) {
        throw new IllegalArgumentException(
            String.format(
                "%s: file is %d bytes, over the %d bytes (2 GiB) that rnn4j reads into memory",
                source, size, MAX_FILE_BYTES));
      }
      SafetensorsHeader.checkHasPrefix(size, source);
      ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(channel, prefix, 0, size, source);
      int headerLength = SafetensorsHeader.checkHeaderLength(prefix.getLong(0), size, source);
      byte[] header = new byte[headerLength];
      readFully(channel, ByteBuffer.wrap(header), 8, size, source);
      long dataLength = size - 8 - headerLength;
      SafetensorsHeader parsed =
          SafetensorsHeader.parse(header, 0, headerLength, dataLength, source);
      byte[] data = new byte[(int) dataLength];
      readFully(channel, ByteBuffer.wrap(data), 8 + headerLength, size, source);
      checkDataChecksum(parsed, ByteBuffer.wrap(data), source);
      return new SafetensorsFile(source, parsed, data);
    }
  }

  /**
   * Parses and validates a whole safetensors file held in {@code bytes}, which are copied (the
   * caller may reuse the array). {@code sourceName} starts every error message, e.g. a file or
   * resource name.
   *
   * @throws IllegalArgumentException if {@code bytes} are not a valid safetensors file
   * @param bytes the whole file
   * @param sourceName the name that starts every message
   * @return the validated file
   */
  public static SafetensorsFile parse(byte[] bytes, String sourceName) {
    Objects.requireNonNull(bytes, "bytes");
    Objects.requireNonNull(sourceName, "sourceName");
    SafetensorsHeader.checkHasPrefix(bytes.length, sourceName);
    long raw = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    int headerLength = SafetensorsHeader.checkHeaderLength(raw, bytes.length, sourceName);
    long dataLength = bytes.length - 8L - headerLength;
    SafetensorsHeader header =
        SafetensorsHeader.parse(bytes, 8, headerLength, dataLength, sourceName);
    checkDataChecksum(
        header, ByteBuffer.wrap(bytes, 8 + headerLength, (int) dataLength), sourceName);
    byte[] data = Arrays.copyOfRange(bytes, 8 + headerLength, bytes.length);
    return new SafetensorsFile(sourceName, header, data);
  }

  /**
   * A new, empty writer.
   *
   * @return a writer with no tensors
   */
  public static SafetensorsWriter writer() {
    return new SafetensorsWriter();
  }

  /**
   * Fails when the header holds a {@value #DATA_CHECKSUM_KEY} entry that is not the SHA-256 of
   * {@code data}; a file without one (PyTorch's) passes.
   */
  private static void checkDataChecksum(SafetensorsHeader header, ByteBuffer data, String source) {
    String stored = header.metadata.get(DATA_CHECKSUM_KEY);
    if (stored == null) {
      return;
    }
    String computed = Checksums.sha256(data);
    if (!computed.equals(stored)) {
      String shown = Checksums.prefix(stored);
      throw new IllegalArgumentException(
          String.format(
              "%s: tensor data checksum mismatch (stored %s, computed %s): the file is corrupt",
              source,
              shown.matches("[0-9a-f.]*") ? shown : JsonText.quote(shown),
              Checksums.prefix(computed)));
    }
  }

  private static void readFully(
      FileChannel channel, ByteBuffer buffer, long position, long size, String source)
      throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      int n = channel.read(buffer, at);
      if (n < 0) {
        throw new EOFException(
            String.format(
                "%s: the file ended at byte %d, but it was %d bytes when opened (it changed while"
                    + " being read)",
                source, at, size));
      }
      at += n;
    }
  }
}
