package dev.rnn4j.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rnn4j.io.Safetensors;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.io.SafetensorsWriter;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Checkpoints as rnn4j wrote them before data checksums: no {@code csvSha256} in the data settings
 * and no {@code rnn4j.sha256} over the tensor bytes; the metadata checksum recomputed to match.
 */
public final class LegacyCheckpoints {
  private static final ObjectMapper JSON = new ObjectMapper();

  private LegacyCheckpoints() {}

  /**
   * Rewrites the checkpoint {@code in} (either task) as an earlier rnn4j wrote it, to {@code out}.
   */
  public static void write(Path in, Path out) throws IOException {
    SafetensorsFile file = Safetensors.read(in);
    Map<String, String> meta = new LinkedHashMap<>(file.metadata());
    meta.remove("checksum");
    meta.remove(Safetensors.DATA_CHECKSUM_KEY);
    String key = meta.containsKey("data") ? "data" : "settings";
    ObjectNode settings = (ObjectNode) JSON.readTree(meta.get(key));
    settings.remove("csvSha256");
    meta.put(key, JSON.writeValueAsString(settings));
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    file.names().forEach(name -> tensors.put(name, file.tensor(name)));
    SafetensorsWriter writer = Safetensors.writer();
    tensors.forEach(writer::put);
    meta.forEach(writer::metadata);
    writer.metadata("checksum", Checkpoint.checksum(tensors, meta));
    writer.write(out);
  }
}
