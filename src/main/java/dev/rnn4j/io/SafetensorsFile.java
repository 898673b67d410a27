package dev.rnn4j.io;

import dev.rnn4j.io.SafetensorsHeader.Entry;
import dev.rnn4j.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed and fully validated safetensors file held in memory: its tensor names, dtypes and
 * shapes, its {@code __metadata__}, and its data, decoded on request.
 *
 * <p>Immutable: the data section is a private copy, and every accessor returns a new array or an
 * unmodifiable view. Obtain one from {@link Safetensors#read} or {@link Safetensors#parse}; every
 * accessor that takes a name fails with {@link IllegalArgumentException} for a name the file lacks.
 */
public final class SafetensorsFile {
  /** Names listed in the message for an unknown name; more are summarized. */
  private static final int MAX_LISTED_NAMES = 20;

  private final String source;
  private final Map<String, Entry> entries; // in data-offset order
  private final List<String> names;
  private final Map<String, String> metadata;
  private final byte[] data;

  SafetensorsFile(String source, SafetensorsHeader header, byte[] data) {
    this.source = source;
    Map<String, Entry> byName = new LinkedHashMap<>();
    for (Entry e : header.entries) {
      byName.put(e.name(), e);
    }
    this.entries = byName;
    this.names = Collections.unmodifiableList(new ArrayList<>(byName.keySet()));
    this.metadata = header.metadata;
    this.data = data;
  }

  /**
   * The tensor names in the order of their data offsets (the order they were written in).
   *
   * @return the names, unmodifiable
   */
  public List<String> names() {
    return names;
  }

  /**
   * Whether the file holds a tensor named {@code name}.
   *
   * @param name a tensor name
   * @return true if the file holds it
   */
  public boolean contains(String name) {
    return entries.containsKey(name);
  }

  /**
   * The dtype of tensor {@code name} as the header spells it: {@code F32}, {@code I64}, {@code
   * BF16}...
   *
   * @param name a tensor name
   * @return the dtype's spelling in the header
   */
  public String dtype(String name) {
    return entry(name).dtype().name();
  }

  /**
   * The shape of tensor {@code name}, as a new array.
   *
   * @param name a tensor name
   * @return the sizes
   */
  public int[] shape(String name) {
    return entry(name).shape().clone();
  }

  /**
   * Tensor {@code name} as a float32 (F32) or float64 (F64) tensor; any other dtype fails, since
   * converting it silently would hide a mismatch between the file and what the caller expects.
   *
   * @param name a tensor name
   * @return a new host tensor
   */
  public Tensor tensor(String name) {
    Entry e = entry(name);
    ByteBuffer bytes = bytes(e);
    switch (e.dtype()) {
      case F32:
        {
          float[] values = new float[bytes.remaining() / Float.BYTES];
          bytes.asFloatBuffer().get(values);
          return Tensor.wrap(values, e.shape());
        }
      case F64:
        {
          double[] values = new double[bytes.remaining() / Double.BYTES];
          bytes.asDoubleBuffer().get(values);
          return Tensor.wrap(values, e.shape());
        }
      default:
        throw new IllegalArgumentException(
            String.format(
                "%s: tensor %s has dtype %s, but tensor() reads F32 or F64 only%s",
                source,
                JsonText.quote(name),
                e.dtype(),
                isInteger(e) ? " (int64s() reads I64 and I32)" : ""));
    }
  }

  /**
   * Tensor {@code name}'s elements in row-major order, for an I64 or I32 tensor (I32 values are
   * widened); any other dtype fails. Integer tensors, such as sequence lengths, have no {@link
   * Tensor}.
   *
   * @param name a tensor name
   * @return the elements as a new array
   */
  public long[] int64s(String name) {
    Entry e = entry(name);
    ByteBuffer bytes = bytes(e);
    switch (e.dtype()) {
      case I64:
        {
          long[] values = new long[bytes.remaining() / Long.BYTES];
          bytes.asLongBuffer().get(values);
          return values;
        }
      case I32:
        {
          long[] values = new long[bytes.remaining() / Integer.BYTES];
          for (int i = 0; i < values.length; i++) {
            values[i] = bytes.getInt();
          }
          return values;
        }
      default:
        throw new IllegalArgumentException(
            String.format(
                "%s: tensor %s has dtype %s, but int64s() reads I64 or I32 only%s",
                source,
                JsonText.quote(name),
                e.dtype(),
                e.dtype() == SafetensorsDtype.F32 || e.dtype() == SafetensorsDtype.F64
                    ? " (tensor() reads F32 and F64)"
                    : ""));
    }
  }

  /**
   * The {@code __metadata__} strings in header order; empty if the file has none. Unmodifiable.
   *
   * @return the metadata strings
   */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** {@code SafetensorsFile(weights.safetensors, 4 tensors)}. */
  @Override
  public String toString() {
    return "SafetensorsFile("
        + source
        + ", "
        + names.size()
        + (names.size() == 1 ? " tensor)" : " tensors)");
  }

  private static boolean isInteger(Entry e) {
    return e.dtype() == SafetensorsDtype.I64 || e.dtype() == SafetensorsDtype.I32;
  }

  /**
   * The entry's bytes, little-endian; its offsets were checked against the data section on parsing.
   */
  private ByteBuffer bytes(Entry e) {
    return ByteBuffer.wrap(data, (int) e.begin(), (int) (e.end() - e.begin()))
        .slice()
        .order(ByteOrder.LITTLE_ENDIAN);
  }

  private Entry entry(String name) {
    Entry e = entries.get(name);
    if (e == null) {
      List<String> quoted = new ArrayList<>();
      for (String n : names.subList(0, Math.min(names.size(), MAX_LISTED_NAMES))) {
        quoted.add(JsonText.quote(n));
      }
      String more = names.size() > MAX_LISTED_NAMES ? ", ... (" + names.size() + " tensors)" : "";
      throw new IllegalArgumentException(
          String.format(
              "%s: no tensor named %s; the file holds [%s%s]",
              source,
              name == null ? "null" : JsonText.quote(name),
              String.join(", ", quoted),
              more));
    }
    return e;
  }
}
