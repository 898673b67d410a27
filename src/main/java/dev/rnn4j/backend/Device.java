package dev.rnn4j.backend;

import java.util.Objects;

/**
 * A compute device: the CPU, or CUDA device N. Parsed from {@code cpu}, {@code cuda} or {@code
 * cuda:N}.
 */
public final class Device {
  /** The kinds of device rnn4j knows. */
  public enum Type {
    /** The host's processor and memory. */
    CPU,
    /** An NVIDIA GPU, through the CUDA driver. */
    CUDA
  }

  /** The CPU: {@code cpu}. */
  public static final Device CPU = new Device(Type.CPU, 0);

  private final Type type;
  private final int index;

  private Device(Type type, int index) {
    this.type = type;
    this.index = index;
  }

  /**
   * CUDA device {@code index} (a CUDA ordinal, as {@code cuda:N}).
   *
   * @param index the ordinal, at least 0
   * @return {@code cuda:index}
   */
  public static Device cuda(int index) {
    if (index < 0) {
      throw new IllegalArgumentException("CUDA device index must be non-negative, got " + index);
    }
    return new Device(Type.CUDA, index);
  }

  /**
   * Parses {@code cpu}, {@code cuda} (device 0) or {@code cuda:N}.
   *
   * @param spec the device's name
   * @return the device
   * @throws IllegalArgumentException for any other spelling, naming the accepted ones
   */
  public static Device parse(String spec) {
    Objects.requireNonNull(spec, "device");
    if (spec.equals("cpu")) {
      return CPU;
    }
    if (spec.equals("cuda")) {
      return cuda(0);
    }
    if (spec.startsWith("cuda:")
        && spec.length() > 5
        && spec.substring(5).chars().allMatch(Character::isDigit)
        && spec.length() < 15) {
      return cuda(Integer.parseInt(spec.substring(5)));
    }
    throw new IllegalArgumentException(
        "device must be one of auto, cpu, cuda, cuda:N, got '" + spec + "'");
  }

  /**
   * The kind of device.
   *
   * @return CPU or CUDA
   */
  public Type type() {
    return type;
  }

  /**
   * The device ordinal; 0 for the CPU.
   *
   * @return the ordinal
   */
  public int index() {
    return index;
  }

  @Override
  public String toString() {
    return type == Type.CPU ? "cpu" : "cuda:" + index;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Device && ((Device) o).type == type && ((Device) o).index == index;
  }

  @Override
  public int hashCode() {
    return 31 * type.hashCode() + index;
  }
}
