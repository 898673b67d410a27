package dev.rnn4j.io;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The validated header of a safetensors file. Everything in a header is untrusted: every length is
 * checked before anything is allocated from it, and every rule the reference Rust crate enforces is
 * enforced here, each failure with a message naming the source, the rule and the values.
 *
 * <p>The file layout: 8 bytes, the header length N as a little-endian u64; N bytes of UTF-8 JSON
 * (an object mapping each tensor name to {@code {"dtype", "shape", "data_offsets"}}, plus an
 * optional {@code "__metadata__"} object of strings); then the data section, which the tensors'
 * {@code [begin, end)} byte ranges must cover exactly, without gaps or overlaps.
 */
final class SafetensorsHeader {
  /** The largest header the Rust crate accepts ({@code MAX_HEADER_SIZE}). */
  static final long MAX_HEADER_BYTES = 100_000_000L;

  static final String METADATA_KEY = "__metadata__";

  /** Shapes longer than this are cut in messages. */
  private static final int MAX_RENDERED_DIMS = 16;

  /** JSON values longer than this are cut in messages. */
  private static final int MAX_RENDERED_CHARS = 80;

  private static final ObjectMapper MAPPER =
      JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  /**
   * One tensor's header entry, validated. {@code begin} and {@code end} are data-section offsets.
   */
  record Entry(String name, SafetensorsDtype dtype, int[] shape, long begin, long end) {
    String offsets() {
      return "[" + begin + ", " + end + "]";
    }
  }

  /** The entries in data-offset order (header order among equal offsets). */
  final List<Entry> entries;

  /** {@code __metadata__} in header order; empty when absent. */
  final Map<String, String> metadata;

  private SafetensorsHeader(List<Entry> entries, Map<String, String> metadata) {
    this.entries = entries;
    this.metadata = metadata;
  }

  /** Fails unless a file of {@code fileLength} bytes can hold the 8-byte header length. */
  static void checkHasPrefix(long fileLength, String source) {
    if (fileLength < 8) {
      throw fail(
          "%s: a safetensors file starts with an 8-byte header length, but the file is %d bytes "
              + "(truncated file)",
          source, fileLength);
    }
  }

  /**
   * Checks the header length read from the prefix, an unsigned u64 held in a long, against the 100
   * MB bound and against the {@code fileLength - 8} bytes that follow it, and returns it as an int.
   */
  static int checkHeaderLength(long headerLength, long fileLength, String source) {
    boolean overLimit = Long.compareUnsigned(headerLength, MAX_HEADER_BYTES) > 0;
    if (overLimit || headerLength > fileLength - 8) {
      // Only a prefix that is no valid header length is taken for torch.save's, so that no valid
      // safetensors file can be refused as one.
      checkNotTorchSave(headerLength, source);
    }
    if (overLimit) {
      throw fail(
          "%s: header length %s is over the limit of %d bytes",
          source, Long.toUnsignedString(headerLength), MAX_HEADER_BYTES);
    }
    if (headerLength > fileLength - 8) {
      throw fail(
          "%s: header length %d is longer than the file: only %d bytes follow the 8-byte header "
              + "length (truncated file)",
          source, headerLength, fileLength - 8);
    }
    return (int) headerLength;
  }

  /**
   * Fails, naming the format and the way to convert it, when the file's first 8 bytes (the
   * little-endian {@code prefix}) are those of a {@code torch.save} file: a zip archive ({@code
   * PK\x03\x04}, the default since PyTorch 1.6) or a pickle of protocol 2 to 5 ({@code \x80\x02} to
   * {@code \x80\x05}, {@code _use_new_zipfile_serialization=False}).
   */
  private static void checkNotTorchSave(long prefix, String source) {
    long protocol = (prefix >>> 8) & 0xFF;
    String format;
    if ((prefix & 0xFFFF_FFFFL) == 0x0403_4B50L) {
      format = "zip";
    } else if ((prefix & 0xFF) == 0x80 && protocol >= 2 && protocol <= 5) {
      format = "pickle";
    } else {
      return;
    }
    throw fail(
        "%s: a PyTorch %s checkpoint (torch.save, .pt/.pth), not a safetensors file; write it "
            + "with safetensors.torch.save_file(model.state_dict(), \"model.safetensors\")",
        source, format);
  }

  /**
   * Parses and validates the {@code length} header bytes at {@code offset} of {@code buf}, for a
   * data section of {@code dataLength} bytes.
   */
  static SafetensorsHeader parse(
      byte[] buf, int offset, int length, long dataLength, String source) {
    CharBuffer chars = decodeUtf8(buf, offset, length, source);
    List<Entry> entries = new ArrayList<>();
    Map<String, String> metadata = Collections.emptyMap();
    try (JsonParser p = MAPPER.createParser(chars.array(), 0, chars.position())) {
      JsonToken t = p.nextToken();
      if (t != JsonToken.START_OBJECT) {
        throw fail(
            "%s: header must be a JSON object, got %s",
            source, t == null ? "no JSON value" : render(p));
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        if (METADATA_KEY.equals(name)) {
          metadata = parseMetadata(p, source);
        } else {
          entries.add(parseEntry(p, name, dataLength, source));
        }
      }
      if (p.nextToken() != null) {
        JsonLocation at = p.currentTokenLocation();
        throw fail(
            "%s: header is not valid JSON: content after the header object (line %d, column %d)",
            source, at.getLineNr(), at.getColumnNr());
      }
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw fail(
          "%s: header is not valid JSON: %s (line %d, column %d)",
          source,
          e.getOriginalMessage(),
          at == null ? -1 : at.getLineNr(),
          at == null ? -1 : at.getColumnNr());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // an in-memory parser does no I/O
    }
    entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    checkCoverage(entries, dataLength, source);
    return new SafetensorsHeader(Collections.unmodifiableList(entries), metadata);
  }

  private static CharBuffer decodeUtf8(byte[] buf, int offset, int length, String source) {
    CharsetDecoder decoder =
        UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(buf, offset, length);
    CharBuffer out = CharBuffer.allocate(length); // UTF-8 never gives more chars than bytes
    CoderResult result = decoder.decode(in, out, true);
    if (!result.isError()) {
      result = decoder.flush(out);
    }
    if (result.isError()) {
      throw fail(
          "%s: header is not valid UTF-8: malformed byte sequence at header byte %d",
          source, in.position() - offset);
    }
    return out;
  }

  private static Map<String, String> parseMetadata(JsonParser p, String source) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw fail(
          "%s: %s must be an object of string to string, got %s", source, METADATA_KEY, render(p));
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      if (p.nextToken() != JsonToken.VALUE_STRING) {
        throw fail(
            "%s: %s must be an object of string to string, but key %s has value %s",
            source, METADATA_KEY, JsonText.quote(key), render(p));
      }
      metadata.put(key, p.getText());
    }
    return Collections.unmodifiableMap(metadata);
  }

  private static Entry parseEntry(JsonParser p, String name, long dataLength, String source)
      throws IOException {
    String where = source + ": tensor " + JsonText.quote(name);
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw fail(
          "%s must be a JSON object with dtype, shape and data_offsets, got %s", where, render(p));
    }
    String dtypeName = null;
    long[] dims = null;
    long[] offsets = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "dtype":
          if (value != JsonToken.VALUE_STRING) {
            throw fail("%s: dtype must be a string, got %s", where, render(p));
          }
          dtypeName = p.getText();
          break;
        case "shape":
          dims = readShape(p, where);
          break;
        case "data_offsets":
          offsets = readOffsets(p, where);
          break;
        default:
          p.skipChildren(); // other fields are ignored, as the Rust crate ignores them
      }
    }
    String missing =
        dtypeName == null
            ? "dtype"
            : dims == null ? "shape" : offsets == null ? "data_offsets" : null;
    if (missing != null) {
      throw fail("%s has no %s; an entry needs dtype, shape and data_offsets", where, missing);
    }
    SafetensorsDtype dtype = SafetensorsDtype.fromHeaderName(dtypeName);
    if (dtype == null) {
      throw fail(
          "%s: unknown dtype %s; a safetensors dtype is one of %s",
          where, JsonText.quote(dtypeName), SafetensorsDtype.KNOWN_NAMES);
    }
    int[] shape = toIntShape(dims, where);
    long begin = offsets[0];
    long end = offsets[1];
    if (begin > end) {
      throw fail(
          "%s: data_offsets [%d, %d] begin after they end; expected [begin, end] with begin <= end",
          where, begin, end);
    }
    if (end > dataLength) {
      throw fail(
          "%s: data_offsets [%d, %d] run past the end of the data section, which is %d bytes "
              + "(offsets outside the file)",
          where, begin, end, dataLength);
    }
    checkByteLength(dtype, dims, begin, end, where);
    return new Entry(name, dtype, shape, begin, end);
  }

  /** Reads {@code "shape"} as it streams, so that even a huge array costs 8 bytes a dimension. */
  private static long[] readShape(JsonParser p, String where) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw fail("%s: shape must be an array of integers, got %s", where, render(p));
    }
    long[] dims = new long[4];
    int n = 0;
    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
      if (t != JsonToken.VALUE_NUMBER_INT) {
        throw fail(
            "%s: shape must be an array of integers, got %s at index %d", where, render(p), n);
      }
      if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
        throw fail(
            "%s: shape dimension %s at index %d is out of range; a dimension is at most %d",
            where, p.getText(), n, Integer.MAX_VALUE);
      }
      if (n == dims.length) {
        dims = Arrays.copyOf(dims, 2 * n);
      }
      dims[n++] = p.getLongValue();
    }
    return Arrays.copyOf(dims, n);
  }

  private static long[] readOffsets(JsonParser p, String where) throws IOException {
    JsonNode node = p.readValueAsTree();
    if (node.isArray() && node.size() == 2) {
      JsonNode b = node.get(0);
      JsonNode e = node.get(1);
      if (b.isIntegralNumber()
          && b.canConvertToLong()
          && b.longValue() >= 0
          && e.isIntegralNumber()
          && e.canConvertToLong()
          && e.longValue() >= 0) {
        return new long[] {b.longValue(), e.longValue()};
      }
    }
    throw fail(
        "%s: data_offsets must be [begin, end], two non-negative integers, got %s",
        where, cut(node.toString()));
  }

  private static int[] toIntShape(long[] dims, String where) {
    int[] shape = new int[dims.length];
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] < 0) {
        throw fail("%s: shape %s has a negative dimension %d", where, renderDims(dims), dims[i]);
      }
      if (dims[i] > Integer.MAX_VALUE) {
        throw fail(
            "%s: shape %s has dimension %d, over the largest supported dimension %d",
            where, renderDims(dims), dims[i], Integer.MAX_VALUE);
      }
      shape[i] = (int) dims[i];
    }
    return shape;
  }

  /** Checks {@code end - begin == numel(shape) * bits / 8} without overflowing. */
  private static void checkByteLength(
      SafetensorsDtype dtype, long[] dims, long begin, long end, String where) {
    long held = end - begin;
    long numel = 1;
    boolean overflow = false;
    for (long d : dims) {
      if (d == 0) {
        numel = 0;
        overflow = false;
        break;
      }
      if (!overflow) {
        try {
          numel = Math.multiplyExact(numel, d);
        } catch (ArithmeticException e) {
          overflow = true;
        }
      }
    }
    long bits = 0;
    if (!overflow) {
      try {
        bits = Math.multiplyExact(numel, (long) dtype.bits());
      } catch (ArithmeticException e) {
        overflow = true;
      }
    }
    if (overflow) {
      throw fail(
          "%s: dtype %s and shape %s need more than %d bytes, but data_offsets [%d, %d] hold %d "
              + "bytes (dtype and byte length mismatch)",
          where, dtype, renderDims(dims), Long.MAX_VALUE / 8, begin, end, held);
    }
    if (bits % 8 != 0) {
      throw fail(
          "%s: dtype %s and shape %s make %d bits, which is not a whole number of bytes",
          where, dtype, renderDims(dims), bits);
    }
    if (bits / 8 != held) {
      throw fail(
          "%s: dtype %s and shape %s need %d bytes, but data_offsets [%d, %d] hold %d bytes "
              + "(dtype and byte length mismatch)",
          where, dtype, renderDims(dims), bits / 8, begin, end, held);
    }
  }

  /**
   * Fails unless the ranges, sorted by offset, tile {@code [0, dataLength)} exactly: the Rust crate
   * refuses overlaps (two tensors sharing bytes) and gaps (bytes that belong to no tensor) alike.
   */
  private static void checkCoverage(List<Entry> sorted, long dataLength, String source) {
    long position = 0;
    Entry previous = null;
    for (Entry e : sorted) {
      if (e.begin() < position) {
        throw fail(
            "%s: tensors %s (data_offsets %s) and %s (data_offsets %s) overlap",
            source,
            JsonText.quote(previous.name()),
            previous.offsets(),
            JsonText.quote(e.name()),
            e.offsets());
      }
      if (e.begin() > position) {
        if (previous == null) {
          throw fail(
              "%s: data bytes [0, %d) belong to no tensor: the first tensor, %s, begins at %d; "
                  + "tensors must cover the data section without gaps",
              source, e.begin(), JsonText.quote(e.name()), e.begin());
        }
        throw fail(
            "%s: data bytes [%d, %d) belong to no tensor: %s ends at %d and %s begins at %d; "
                + "tensors must cover the data section without gaps",
            source,
            position,
            e.begin(),
            JsonText.quote(previous.name()),
            position,
            JsonText.quote(e.name()),
            e.begin());
      }
      position = e.end();
      previous = e;
    }
    if (position != dataLength) {
      if (previous == null) {
        throw fail(
            "%s: the header lists no tensors, but the data section is %d bytes; tensors must "
                + "cover the data section without gaps",
            source, dataLength);
      }
      throw fail(
          "%s: data bytes [%d, %d) belong to no tensor: the last tensor, %s, ends at %d; "
              + "tensors must cover the data section without gaps",
          source, position, dataLength, JsonText.quote(previous.name()), position);
    }
  }

  /** The current JSON value, consumed, as compact JSON text cut to about 80 characters. */
  private static String render(JsonParser p) throws IOException {
    JsonNode node = p.readValueAsTree();
    return cut(node == null ? "nothing" : node.toString());
  }

  private static String cut(String s) {
    return s.length() <= MAX_RENDERED_CHARS ? s : s.substring(0, MAX_RENDERED_CHARS - 3) + "...";
  }

  /** A shape as {@code [2, 3]}, cut after 16 dimensions. */
  static String renderDims(long[] dims) {
    StringJoiner j = new StringJoiner(", ", "[", "]");
    for (int i = 0; i < dims.length && i < MAX_RENDERED_DIMS; i++) {
      j.add(Long.toString(dims[i]));
    }
    if (dims.length > MAX_RENDERED_DIMS) {
      j.add("... (" + dims.length + " dimensions)");
    }
    return j.toString();
  }

  private static IllegalArgumentException fail(String format, Object... args) {
    return new IllegalArgumentException(String.format(format, args));
  }
}
