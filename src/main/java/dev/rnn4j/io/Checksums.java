package dev.rnn4j.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 content checksums as lowercase hex, as {@code hashlib.sha256(data).hexdigest()} and
 * {@code sha256sum} print them: for the tensor bytes of a safetensors file and for the data files a
 * training run records.
 */
public final class Checksums {
  /** How many hex digits of a checksum a message shows: enough to tell two files apart. */
  public static final int PREFIX_LENGTH = 12;

  private static final int BUFFER_BYTES = 1 << 16;

  private Checksums() {}

  /**
   * The SHA-256 of {@code bytes}.
   *
   * @param bytes the content
   * @return 64 lowercase hex digits
   */
  public static String sha256(byte[] bytes) {
    return sha256(ByteBuffer.wrap(bytes));
  }

  /**
   * The SHA-256 of the bytes of {@code file}, read as they are (no line-ending or encoding
   * conversion).
   *
   * @param file the file
   * @return 64 lowercase hex digits
   * @throws IOException if the file cannot be read
   */
  public static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return sha256(in);
    }
  }

  /**
   * The SHA-256 of what {@code in} holds up to its end; the stream is left open.
   *
   * @param in the content
   * @return 64 lowercase hex digits
   * @throws IOException if the stream cannot be read
   */
  public static String sha256(InputStream in) throws IOException {
    MessageDigest sha = newSha256();
    byte[] buffer = new byte[BUFFER_BYTES];
    for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
      sha.update(buffer, 0, n);
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /**
   * The first {@value #PREFIX_LENGTH} characters of {@code checksum} followed by {@code ...}, or
   * the whole of it when it is that short, for messages.
   *
   * @param checksum a checksum as hex, or any stored string claiming to be one
   * @return its prefix
   */
  public static String prefix(String checksum) {
    return checksum.length() <= PREFIX_LENGTH
        ? checksum
        : checksum.substring(0, PREFIX_LENGTH) + "...";
  }

  /** The SHA-256 of {@code bytes}' remaining bytes; the buffer's position is left unchanged. */
  static String sha256(ByteBuffer bytes) {
    MessageDigest sha = newSha256();
    sha.update(bytes.duplicate());
    return HexFormat.of().formatHex(sha.digest());
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
