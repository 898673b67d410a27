package dev.rnn4j.io;

import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * State dicts as safetensors files: what {@code safetensors.torch.save_file(module.state_dict(),
 * path)} writes and {@code load_file} reads.
 *
 * <p>A checkpoint that {@code torch.save} wrote ({@code .pt}, {@code .pth}: a zip archive or a
 * pickle) is not read: pickle runs code, so it is refused with a message that says how to convert
 * it, {@code safetensors.torch.save_file(model.state_dict(), "model.safetensors")}.
 */
public final class StateDictFiles {
  private StateDictFiles() {}

  /**
   * Reads every tensor of the file, in the file's order; each must be F32 or F64.
   *
   * @param path a safetensors file
   * @return host tensors under the file's names
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException if the file is not valid safetensors (a {@code torch.save}
   *     checkpoint is named as such), or holds a tensor of another dtype; the message starts with
   *     {@code path}
   */
  public static StateDict read(Path path) throws IOException {
    SafetensorsFile file = Safetensors.read(path);
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (String name : file.names()) {
      tensors.put(name, file.tensor(name));
    }
    return StateDict.of(tensors);
  }

  /**
   * Writes the state dict atomically, tensors in its order, with no {@code __metadata__}: {@code
   * save_file(state_dict, path)}.
   *
   * @param path the file to write, replaced if it exists
   * @param stateDict the tensors; device tensors are copied to the host
   * @throws IOException if the file cannot be written
   */
  public static void write(Path path, StateDict stateDict) throws IOException {
    write(path, stateDict, null);
  }

  /**
   * Writes the state dict atomically, tensors in its order, with {@code metadata} in the header:
   * {@code save_file(state_dict, path, metadata)}.
   *
   * @param path the file to write, replaced if it exists
   * @param stateDict the tensors; device tensors are copied to the host
   * @param metadata the {@code __metadata__} strings, in the map's order; null for none, as {@code
   *     metadata=None}
   * @throws IOException if the file cannot be written
   */
  public static void write(Path path, StateDict stateDict, Map<String, String> metadata)
      throws IOException {
    SafetensorsWriter writer = Safetensors.writer();
    stateDict.asMap().forEach(writer::put);
    if (metadata != null) {
      metadata.forEach(writer::metadata);
    }
    writer.write(path);
  }
}
