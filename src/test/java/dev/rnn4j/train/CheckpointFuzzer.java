package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.rnn4j.io.Safetensors;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.io.SafetensorsWriter;
import dev.rnn4j.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Jazzer's target for the checkpoint readers (docs/fuzzing.md): {@link Checkpoint#parse} and {@link
 * ClassificationCheckpoint#of} refuse any file with the documented {@link IllegalArgumentException}
 * or read it, and a checkpoint read writes back to bytes that read again.
 *
 * <p>A mutated checkpoint almost never matches its SHA-256 checksum, which is checked first; so
 * that the fuzzer reaches the metadata parsers behind it, every input that is valid safetensors is
 * sealed again (its checksum recomputed) before it is read. The raw input must still be refused
 * when its checksum does not match. Seeds: {@code CheckpointFuzzerInputs/parse/}, checkpoints
 * {@code rnn4j train} wrote (forecasting with Adam; GRU with AdamW, StepLR and early stopping;
 * classification).
 */
class CheckpointFuzzer {
  @FuzzTest(maxDuration = "30s")
  void parse(byte[] bytes) {
    SafetensorsFile file;
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    try {
      file = Safetensors.parse(bytes, "fuzz.safetensors");
      for (String name : file.names()) {
        tensors.put(name, file.tensor(name));
      }
    } catch (IllegalArgumentException refused) {
      assertThrows(IllegalArgumentException.class, () -> Checkpoint.parse(bytes, "fuzz"));
      return;
    }
    Map<String, String> meta = new LinkedHashMap<>(file.metadata());
    String stored = meta.remove("checksum");
    String checksum = Checkpoint.checksum(tensors, meta);
    if (!checksum.equals(stored)) {
      assertThrows(IllegalArgumentException.class, () -> Checkpoint.parse(bytes, "fuzz"));
    }
    byte[] resealed;
    try {
      SafetensorsWriter sealed = Safetensors.writer();
      tensors.forEach(sealed::put);
      meta.forEach(sealed::metadata);
      resealed = sealed.metadata("checksum", checksum).toByteArray();
    } catch (IllegalArgumentException unwritable) {
      // Names or strings the writer's stricter rules refuse: rnn4j never wrote such a checkpoint.
      return;
    }
    try {
      Checkpoint checkpoint = Checkpoint.parse(resealed, "fuzz");
      byte[] written = checkpoint.toByteArray();
      assertArrayEquals(written, Checkpoint.parse(written, "written").toByteArray());
    } catch (IllegalArgumentException refused) {
      // The documented refusal; anything else escapes and is a finding.
    }
    try {
      ClassificationCheckpoint.of(Safetensors.parse(resealed, "fuzz"), "fuzz");
    } catch (IllegalArgumentException refused) {
      // As above.
    }
  }
}
