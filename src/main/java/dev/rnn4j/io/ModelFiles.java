package dev.rnn4j.io;

import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.nn.SequenceModelConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A sequence model as PyTorch reads it: a folder with {@code model.json} (the constructor
 * arguments, see {@link SequenceModelJson}) and {@code weights.safetensors} (the model's {@code
 * state_dict}: {@code rnn.weight_ih_l0}, ..., {@code head.bias}). In Python:
 *
 * <pre>{@code
 * cfg = json.load(open("model.json"))
 * model = SequenceModel(getattr(nn, cfg["rnn"].pop("mode"))(**cfg["rnn"]), cfg["head"]["out_features"],
 *                       cfg["many_to_one"])
 * model.load_state_dict(safetensors.torch.load_file("weights.safetensors"))
 * }</pre>
 *
 * <p>({@code src/test/python/generate_model_fixtures.py} defines that {@code SequenceModel}.)
 */
public final class ModelFiles {
  /** The config file's name in a model folder. */
  public static final String CONFIG = "model.json";

  /** The weights file's name in a model folder. */
  public static final String WEIGHTS = "weights.safetensors";

  private ModelFiles() {}

  /**
   * Writes {@code model}'s config and weights into {@code dir} (created if missing), each
   * atomically ({@link AtomicFiles}): the files of {@link #contents}.
   *
   * @param dir the folder
   * @param model the model; its parameters are copied to the host
   * @throws IOException if a file cannot be written
   */
  public static void write(Path dir, SequenceModel model) throws IOException {
    Files.createDirectories(dir);
    for (Map.Entry<String, byte[]> file : contents(model).entrySet()) {
      AtomicFiles.write(dir.resolve(file.getKey()), file.getValue());
    }
  }

  /**
   * The files of {@code model}'s folder, as {@link #write} writes them, for writers to other file
   * systems (a Spark job's HDFS or object store): {@value #WEIGHTS}, whose weights carry the
   * checksum of their tensor bytes ({@link SafetensorsWriter#dataChecksum()}, which PyTorch
   * ignores), then {@value #CONFIG}, in UTF-8.
   *
   * @param model the model; its parameters are copied to the host
   * @return each file's bytes by its name, in that order
   */
  public static Map<String, byte[]> contents(SequenceModel model) {
    SafetensorsWriter weights = Safetensors.writer().dataChecksum();
    model.stateDict().asMap().forEach(weights::put);
    weights.metadata("producer", "rnn4j").metadata("model", model.config().toString());
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(WEIGHTS, weights.toByteArray());
    files.put(CONFIG, SequenceModelJson.toJson(model.config()).getBytes(StandardCharsets.UTF_8));
    return files;
  }

  /**
   * Reads a model folder written by {@link #write} or by PyTorch.
   *
   * @param dir the folder holding {@code model.json} and {@code weights.safetensors}
   * @return a new model on the CPU, which the caller closes
   * @throws IOException if a file cannot be read
   */
  public static SequenceModel read(Path dir) throws IOException {
    SequenceModelConfig config = SequenceModelJson.read(dir.resolve(CONFIG));
    return SequenceModel.fromStateDict(config, StateDictFiles.read(dir.resolve(WEIGHTS)));
  }
}
