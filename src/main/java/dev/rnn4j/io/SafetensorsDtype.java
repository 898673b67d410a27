package dev.rnn4j.io;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The element types a safetensors header may name, with their widths in bits, as the reference Rust
 * crate defines them. All are recognised so that a well-formed file parses whatever it holds; only
 * F32, F64, I64 and I32 are decoded.
 */
enum SafetensorsDtype {
  BOOL(8),
  F4(4),
  F6_E2M3(6),
  F6_E3M2(6),
  U8(8),
  I8(8),
  F8_E5M2(8),
  F8_E4M3(8),
  F8_E8M0(8),
  F8_E4M3FNUZ(8),
  F8_E5M2FNUZ(8),
  I16(16),
  U16(16),
  F16(16),
  BF16(16),
  I32(32),
  U32(32),
  F32(32),
  C64(64),
  F64(64),
  I64(64),
  U64(64);

  /** The names, comma-separated, for messages that list what a header may say. */
  static final String KNOWN_NAMES =
      Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));

  private final int bits;

  SafetensorsDtype(int bits) {
    this.bits = bits;
  }

  /** Width of one element in bits (4 and 6 for the packed sub-byte formats). */
  int bits() {
    return bits;
  }

  /** The dtype spelled {@code name} exactly as in a header, or null if there is none. */
  static SafetensorsDtype fromHeaderName(String name) {
    for (SafetensorsDtype d : values()) {
      if (d.name().equals(name)) {
        return d;
      }
    }
    return null;
  }
}
