package dev.rnn4j.io;

import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * State dicts as safetensors files: what {@code safetensors.torch.save_file(module.state_dict(), path)}
 * writes and {@code load_file} reads.
 */
public final class StateDictFiles {
  private StateDictFiles() {}

  /** Reads every tensor of the file, in the file's order; each must be F32 or F64. */
  public static StateDict read(Path path) throws IOException {
    SafetensorsFile file = Safetensors.read(path);
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (String name : file.names()) {
      tensors.put(name, file.tensor(name));
    }
    return StateDict.of(tensors);
  }

  /** Writes the state dict atomically, tensors in its order, with {@code metadata} in the header. */
  public static void write(Path path, StateDict stateDict, Map<String, String> metadata) throws IOException {
    SafetensorsWriter writer = Safetensors.writer();
    stateDict.asMap().forEach(writer::put);
    metadata.forEach(writer::metadata);
    writer.write(path);
  }
}
