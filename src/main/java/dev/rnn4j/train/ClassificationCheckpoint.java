package dev.rnn4j.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.rnn4j.io.Safetensors;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.io.SafetensorsWriter;
import dev.rnn4j.io.SequenceModelJson;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A classification run's state in one safetensors file, laid out as {@link Checkpoint}'s (weights
 * under PyTorch's names, the optimizer's state under {@code optimizer.}, a SHA-256 checksum) with
 * format {@value #FORMAT} and, in the metadata, the {@link ClassificationConfig}, the class
 * vocabulary ({@code classes}: the labels of class indices 0, 1, ..., sorted), the features'
 * normalization statistics, the epoch and the history.
 *
 * @param classes the C labels, class i the i-th
 * @param epoch the number of epochs completed
 */
public record ClassificationCheckpoint(
    ClassificationConfig config,
    List<String> classes,
    Normalization normalization,
    StateDict weights,
    StateDict optimizerState,
    int epoch,
    List<ClassificationStats> history) {
  /** The {@code format} metadata value that marks a classification checkpoint. */
  public static final String FORMAT = "rnn4j-classification-checkpoint-1";

  private static final String OPTIMIZER_PREFIX = "optimizer.";
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES).build();

  /** Copies the class list and the history. */
  public ClassificationCheckpoint {
    classes = List.copyOf(classes);
    history = List.copyOf(history);
  }

  /** The data and schedule part of the configuration, as the checkpoint stores it. */
  record Settings(
      String csv,
      String idColumn,
      String labelColumn,
      List<String> features,
      double validationFraction,
      boolean normalize,
      int epochs,
      int batchSize,
      long seed,
      double clipNorm,
      String csvSha256) {}

  /** Writes the checkpoint to {@code path}, atomically (a temporary file, then a rename). */
  public void write(Path path) throws IOException {
    ClassificationConfig c = config;
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", FORMAT);
    meta.put("model", SequenceModelJson.toJson(c.model()));
    meta.put(
        "settings",
        json(
            new Settings(
                c.csv(),
                c.idColumn(),
                c.labelColumn(),
                c.features(),
                c.validationFraction(),
                c.normalize(),
                c.epochs(),
                c.batchSize(),
                c.seed(),
                c.clipNorm(),
                c.csvSha256())));
    meta.put("optimizer", c.optimizer().toJson());
    meta.put("classes", json(classes));
    meta.put("normalization", normalization.toJson());
    meta.put("epoch", Integer.toString(epoch));
    meta.put("history", json(history));
    Map<String, Tensor> tensors = new LinkedHashMap<>(weights.asMap());
    optimizerState.asMap().forEach((name, t) -> tensors.put(OPTIMIZER_PREFIX + name, t));
    SafetensorsWriter writer = Safetensors.writer().dataChecksum();
    tensors.forEach(writer::put);
    meta.forEach(writer::metadata);
    writer.metadata("checksum", Checkpoint.checksum(tensors, meta));
    writer.write(path);
  }

  /** Whether {@code file}'s metadata marks it as a classification checkpoint. */
  public static boolean isClassification(SafetensorsFile file) {
    return FORMAT.equals(file.metadata().get("format"));
  }

  /** Reads and verifies a checkpoint; every problem is an {@link IllegalArgumentException}. */
  public static ClassificationCheckpoint read(Path path) throws IOException {
    return of(Checkpoint.readFile(path), path.toString());
  }

  /** Verifies and parses an already read file; {@code source} names it in messages. */
  public static ClassificationCheckpoint of(SafetensorsFile file, String source) {
    Map<String, String> meta = new LinkedHashMap<>(file.metadata());
    if (!FORMAT.equals(meta.get("format"))) {
      throw new IllegalArgumentException(
          String.format(
              "%s: not an rnn4j classification checkpoint: expected format \"%s\", got %s",
              source,
              FORMAT,
              meta.containsKey("format") ? '"' + meta.get("format") + '"' : "none"));
    }
    String stored = meta.remove("checksum");
    // Safetensors.read has checked the tensor bytes against it; this checksum covers the metadata.
    meta.remove(Safetensors.DATA_CHECKSUM_KEY);
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (String name : file.names()) {
      tensors.put(name, file.tensor(name));
    }
    String actual = Checkpoint.checksum(tensors, meta);
    if (!actual.equals(stored)) {
      throw new IllegalArgumentException(
          String.format(
              "%s: checkpoint is corrupt: its checksum is %s, but its content hashes to %s",
              source, stored, actual));
    }
    try {
      Settings s = JSON.readValue(meta.get("settings"), Settings.class);
      Checkpoint.checkSizes(null, s.batchSize());
      ClassificationConfig config =
          new ClassificationConfig(
              SequenceModelJson.parse(meta.get("model")),
              s.csv(),
              s.idColumn(),
              s.labelColumn(),
              s.features(),
              s.validationFraction(),
              s.normalize(),
              OptimizerConfig.fromJson(meta.get("optimizer")),
              s.epochs(),
              s.batchSize(),
              s.seed(),
              s.clipNorm(),
              s.csvSha256());
      Map<String, Tensor> weights = new LinkedHashMap<>();
      Map<String, Tensor> optimizer = new LinkedHashMap<>();
      tensors.forEach(
          (name, t) -> {
            if (name.startsWith(OPTIMIZER_PREFIX)) {
              optimizer.put(name.substring(OPTIMIZER_PREFIX.length()), t);
            } else {
              weights.put(name, t);
            }
          });
      List<String> classes = JSON.readValue(meta.get("classes"), new TypeReference<>() {});
      if (classes.size() != config.model().outFeatures()) {
        throw new IllegalArgumentException(
            String.format(
                "it has %d classes for a model of %d outputs",
                classes.size(), config.model().outFeatures()));
      }
      return new ClassificationCheckpoint(
          config,
          classes,
          Normalization.fromJson(meta.get("normalization")),
          StateDict.of(weights),
          StateDict.of(optimizer),
          Integer.parseInt(meta.get("epoch")),
          JSON.readValue(meta.get("history"), new TypeReference<List<ClassificationStats>>() {}));
    } catch (JsonProcessingException | RuntimeException e) {
      throw new IllegalArgumentException(
          source + ": checkpoint metadata is invalid: " + e.getMessage(), e);
    }
  }

  private static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("records of numbers and strings always serialize", e);
    }
  }
}
