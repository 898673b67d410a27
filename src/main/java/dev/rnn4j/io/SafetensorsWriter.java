package dev.rnn4j.io;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.rnn4j.backend.DType;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Collects named tensors and metadata and writes them as one safetensors file.
 *
 * <p>Tensors are laid out in the order they were put, which is the order {@link
 * SafetensorsFile#names()} gives back. The header is the compact JSON the Python {@code
 * safetensors} library writes, padded with spaces to a multiple of 8 bytes, so the output is
 * byte-identical to the Python library's when the tensors are put in the order it sorts them (by
 * descending dtype, then by name).
 *
 * <p>Not thread-safe. Tensors are immutable and integer arrays are copied, so the writer holds the
 * values as they were when put.
 */
public final class SafetensorsWriter {
  private final Map<String, Item> items = new LinkedHashMap<>();
  private final Map<String, String> metadata = new LinkedHashMap<>();

  /** One tensor to write; {@code data} is a Tensor, a long[] or an int[]. */
  private record Item(SafetensorsDtype dtype, int[] shape, long byteLength, Object data) {}

  private boolean dataChecksum;

  SafetensorsWriter() {}

  /**
   * Stores the SHA-256 of the data section (every tensor's bytes, as laid out in the file) in the
   * {@code __metadata__} entry {@value Safetensors#DATA_CHECKSUM_KEY}, after the other entries.
   * {@link Safetensors#read} and {@link Safetensors#parse} then refuse the file if its tensor bytes
   * change; PyTorch's {@code safetensors.torch.load_file} reads it as any other file.
   *
   * <p>Off by default, so that a writer given the tensors in Python's order writes the bytes that
   * Python's {@code save_file} writes; rnn4j's own files (checkpoints, exported models, the command
   * line's outputs) turn it on.
   *
   * @return this writer
   */
  public SafetensorsWriter dataChecksum() {
    dataChecksum = true;
    return this;
  }

  /**
   * Adds {@code t} as {@code name}: F32 for a float32 tensor, F64 for a float64 one.
   *
   * @param name the tensor's name; a name may be put once
   * @param t the tensor, read when the file is written
   * @return this writer
   */
  public SafetensorsWriter put(String name, Tensor t) {
    checkName(name);
    Objects.requireNonNull(t, "t");
    SafetensorsDtype dtype =
        t.dtype() == DType.FLOAT32 ? SafetensorsDtype.F32 : SafetensorsDtype.F64;
    items.put(name, new Item(dtype, t.shape(), (long) t.numel() * t.dtype().byteSize(), t));
    return this;
  }

  /**
   * Adds {@code data} (copied) as an I64 tensor of the given shape, e.g. sequence lengths.
   *
   * @param name the tensor's name; a name may be put once
   * @param data the row-major values
   * @param shape the dimensions; their product must equal {@code data.length}
   * @return this writer
   */
  public SafetensorsWriter putInt64(String name, long[] data, int... shape) {
    checkName(name);
    Objects.requireNonNull(data, "data");
    checkLength(data.length, shape);
    items.put(
        name,
        new Item(
            SafetensorsDtype.I64, shape.clone(), (long) data.length * Long.BYTES, data.clone()));
    return this;
  }

  /**
   * Adds {@code data} (copied) as an I32 tensor of the given shape.
   *
   * @param name the tensor's name; a name may be put once
   * @param data the row-major values
   * @param shape the dimensions; their product must equal {@code data.length}
   * @return this writer
   */
  public SafetensorsWriter putInt32(String name, int[] data, int... shape) {
    checkName(name);
    Objects.requireNonNull(data, "data");
    checkLength(data.length, shape);
    items.put(
        name,
        new Item(
            SafetensorsDtype.I32, shape.clone(), (long) data.length * Integer.BYTES, data.clone()));
    return this;
  }

  /**
   * Adds a {@code __metadata__} entry; a key may be set once.
   *
   * @param key the key
   * @param value its string
   * @return this writer
   */
  public SafetensorsWriter metadata(String key, String value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    JsonText.checkEncodable(key, "metadata key");
    JsonText.checkEncodable(value, "metadata value");
    if (key.equals(Safetensors.DATA_CHECKSUM_KEY)) {
      throw new IllegalArgumentException(
          String.format(
              "metadata key %s is reserved for the data section's checksum; dataChecksum() writes"
                  + " it",
              JsonText.quote(key)));
    }
    if (metadata.containsKey(key)) {
      throw new IllegalArgumentException(
          String.format(
              "metadata key %s is already set to %s; a key may be set once",
              JsonText.quote(key), JsonText.quote(metadata.get(key))));
    }
    metadata.put(key, value);
    return this;
  }

  /**
   * The whole file. Fails with {@link IllegalStateException} if it would exceed the 2 GiB that a
   * Java array (and {@link Safetensors#read}) holds.
   *
   * @return the header length, the header and the data
   */
  public byte[] toByteArray() {
    // The checksum's 64 hex digits are a placeholder until the data section is laid out.
    byte[] header = header(dataChecksum ? "0".repeat(64) : null);
    int padding = (8 - header.length % 8) % 8;
    long headerLength = (long) header.length + padding;
    long dataLength = 0;
    for (Item item : items.values()) {
      dataLength += item.byteLength();
    }
    long total = 8 + headerLength + dataLength;
    if (headerLength > SafetensorsHeader.MAX_HEADER_BYTES || total > Safetensors.MAX_FILE_BYTES) {
      throw new IllegalStateException(
          String.format(
              "a safetensors file of %d bytes (header %d bytes) is over the limits of %d bytes and"
                  + " a %d-byte header",
              total, headerLength, Safetensors.MAX_FILE_BYTES, SafetensorsHeader.MAX_HEADER_BYTES));
    }
    ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(headerLength).put(header);
    for (int i = 0; i < padding; i++) {
      out.put((byte) ' ');
    }
    int dataStart = out.position();
    for (Item item : items.values()) {
      writeData(item, out);
    }
    if (dataChecksum) {
      String sha =
          Checksums.sha256(ByteBuffer.wrap(out.array(), dataStart, out.position() - dataStart));
      out.position(8).put(header(sha));
    }
    return out.array();
  }

  /**
   * Writes the file to {@code path} atomically ({@link AtomicFiles#write(Path, byte[])}): to a
   * temporary file in the same folder, flushed to the device, then renamed over {@code path}, so
   * that a reader never sees a partial file.
   *
   * @param path the file, replaced if it exists
   * @throws IOException if the file cannot be written
   */
  public void write(Path path) throws IOException {
    AtomicFiles.write(path, toByteArray());
  }

  /**
   * The header JSON as {@code serde_json::to_string} writes it: no spaces, metadata first, with
   * {@code checksum} as the data checksum's entry when not null.
   */
  private byte[] header(String checksum) {
    StringBuilder sb = new StringBuilder("{");
    Map<String, String> entries = metadata;
    if (checksum != null) {
      entries = new LinkedHashMap<>(metadata);
      entries.put(Safetensors.DATA_CHECKSUM_KEY, checksum);
    }
    if (!entries.isEmpty()) {
      sb.append('"').append(SafetensorsHeader.METADATA_KEY).append("\":{");
      boolean first = true;
      for (Map.Entry<String, String> e : entries.entrySet()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        JsonText.appendString(sb, e.getKey());
        sb.append(':');
        JsonText.appendString(sb, e.getValue());
      }
      sb.append('}');
    }
    long offset = 0;
    for (Map.Entry<String, Item> e : items.entrySet()) {
      if (sb.length() > 1) {
        sb.append(',');
      }
      Item item = e.getValue();
      JsonText.appendString(sb, e.getKey());
      sb.append(":{\"dtype\":\"").append(item.dtype().name()).append("\",\"shape\":[");
      for (int i = 0; i < item.shape().length; i++) {
        sb.append(i == 0 ? "" : ",").append(item.shape()[i]);
      }
      sb.append("],\"data_offsets\":[").append(offset).append(',');
      offset += item.byteLength();
      sb.append(offset).append("]}");
    }
    return sb.append('}').toString().getBytes(UTF_8);
  }

  private static void writeData(Item item, ByteBuffer out) {
    int start = out.position();
    Object data = item.data();
    if (data instanceof Tensor) {
      Tensor t = (Tensor) data;
      if (t.dtype() == DType.FLOAT32) {
        out.asFloatBuffer().put(t.toFloatArray());
      } else {
        out.asDoubleBuffer().put(t.toDoubleArray());
      }
    } else if (data instanceof long[]) {
      out.asLongBuffer().put((long[]) data);
    } else {
      out.asIntBuffer().put((int[]) data);
    }
    out.position(start + (int) item.byteLength());
  }

  private void checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.equals(SafetensorsHeader.METADATA_KEY)) {
      throw new IllegalArgumentException(
          "tensor name \"__metadata__\" is reserved for the file's metadata");
    }
    JsonText.checkEncodable(name, "tensor name");
    if (items.containsKey(name)) {
      throw new IllegalArgumentException(
          String.format(
              "tensor name %s is already in this writer; names must be unique",
              JsonText.quote(name)));
    }
  }

  private static void checkLength(int length, int[] shape) {
    Objects.requireNonNull(shape, "shape");
    int numel = Shape.numel(shape);
    if (numel != length) {
      throw new IllegalArgumentException(
          "shape '" + Shape.list(shape) + "' is invalid for input of size " + length);
    }
  }
}
