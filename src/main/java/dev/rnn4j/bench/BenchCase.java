package dev.rnn4j.bench;

import dev.rnn4j.nn.RnnConfig;
import java.util.Objects;

/**
 * One benchmark configuration: a module configuration (float32, batch_first) and the input's batch
 * size N and sequence length T.
 *
 * @param id the fixed id, e.g. {@code S3}; its first letter is its set
 * @param note why the configuration is in the set
 */
public record BenchCase(String id, RnnConfig config, int batch, int seq, String note) {
  public BenchCase {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(note, "note");
  }

  /** The set the case belongs to: {@code S}, {@code C}, {@code G} or {@code L}. */
  public String set() {
    return id.substring(0, 1);
  }

  /** F, the forward FLOPs of one call (see {@link Flops}). */
  public long forwardFlops() {
    return Flops.forward(config, batch, seq);
  }

  /** The FLOPs of one call of {@code phase}. */
  public long flops(Phase phase) {
    return Flops.of(phase, config, batch, seq);
  }
}
