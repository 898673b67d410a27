package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.rnn4j.nn.StateDict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jazzer's target for the safetensors parser (docs/fuzzing.md): any bytes, as a file and as an
 * array, are refused with the documented {@link IllegalArgumentException} or parse, and a file that
 * parses decodes every tensor. {@link Safetensors#parse} and {@link StateDictFiles#read} (through
 * {@link Safetensors#read}) agree on which files are valid.
 *
 * <p>Seeds: {@code SafetensorsFuzzerInputs/parse/}, files PyTorch and rnn4j wrote.
 */
class SafetensorsFuzzer {
  @TempDir static Path dir;

  @FuzzTest(maxDuration = "30s")
  void parse(byte[] bytes) throws IOException {
    SafetensorsFile parsed;
    try {
      parsed = Safetensors.parse(bytes, "fuzz.safetensors");
    } catch (IllegalArgumentException refused) {
      parsed = null;
    }
    Path file = dir.resolve("fuzz.safetensors");
    Files.write(file, bytes);
    List<String> viaFile;
    try {
      viaFile = Safetensors.read(file).names();
    } catch (IllegalArgumentException refused) {
      viaFile = null;
    }
    assertEquals(
        parsed == null ? null : parsed.names(), viaFile, "read(path) against parse(bytes)");
    if (parsed == null) {
      return;
    }
    boolean floating = true;
    for (String name : parsed.names()) {
      switch (parsed.dtype(name)) {
        case "F32", "F64" -> parsed.tensor(name);
        case "I64", "I32" -> {
          parsed.int64s(name);
          floating = false;
        }
        default -> {
          parsed.shape(name);
          floating = false;
        }
      }
    }
    if (floating) {
      StateDict stateDict = StateDictFiles.read(file);
      assertEquals(parsed.names(), stateDict.names());
    }
  }
}
