package dev.rnn4j.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.rnn4j.nn.SequenceModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jazzer's target for {@link ModelFiles#read} (docs/fuzzing.md): any {@code model.json} with any
 * {@code weights.safetensors} is a model or refused with the documented {@link
 * IllegalArgumentException}: no huge allocation from the config's sizes, no other exception.
 *
 * <p>An input is a little-endian unsigned 16-bit length n, then n bytes of {@code model.json}, then
 * the weights file. Seeds: {@code ModelFilesFuzzerInputs/read/}, model fixtures in that form.
 */
class ModelFilesFuzzer {
  @TempDir static Path dir;

  @FuzzTest(maxDuration = "20s")
  void read(byte[] bytes) throws IOException {
    if (bytes.length < 2) {
      return;
    }
    int configLength =
        Math.min(
            bytes.length - 2,
            Short.toUnsignedInt(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getShort()));
    Files.write(dir.resolve(ModelFiles.CONFIG), Arrays.copyOfRange(bytes, 2, 2 + configLength));
    Files.write(
        dir.resolve(ModelFiles.WEIGHTS), Arrays.copyOfRange(bytes, 2 + configLength, bytes.length));
    try (SequenceModel model = ModelFiles.read(dir)) {
      model.parameterCount();
    } catch (IllegalArgumentException refused) {
      // The documented refusal; anything else escapes and is a finding.
    }
  }
}
