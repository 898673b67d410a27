package dev.rnn4j.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.rnn4j.backend.DType;
import dev.rnn4j.io.Safetensors;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.io.SafetensorsWriter;
import dev.rnn4j.io.SequenceModelJson;
import dev.rnn4j.io.SizeLimits;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A training run's state in one safetensors file: the model's weights under PyTorch's names ({@code
 * rnn.weight_ih_l0}, ..., {@code head.bias}), the optimizer's state under {@code optimizer.}, and
 * in the header's metadata the training configuration (model, data, optimizer, schedule), the
 * normalization statistics, the epoch, the loss history and a SHA-256 checksum of all of it; the
 * data section's own checksum ({@link SafetensorsWriter#dataChecksum()}) lets any reader of the
 * file refuse it when its tensor bytes changed. A run with a learning-rate scheduler adds its
 * config ({@code scheduler}, {@link SchedulerConfig#toJson}) and its {@code state_dict} ({@code
 * scheduler_state}, as Python's {@code json.dumps} writes it); a run with early stopping adds its
 * config and {@link EarlyStopping.State} ({@code early_stopping}, {@code early_stopping_state})
 * and, when it restores the best weights, those weights under {@code best.}. Each is absent when
 * unused, so files from before these features read as runs without them.
 *
 * <p>{@code safetensors.torch.load_file} reads it as is; the weights are the entries without a
 * prefix. {@link #write} replaces the file atomically, so a crash while saving leaves the previous
 * checkpoint whole. {@link #read} fails with a message on a truncated, corrupt or foreign file.
 *
 * @param epoch the number of epochs completed
 * @param schedulerState the scheduler's {@link LrScheduler#stateDict()} after {@code epoch}, or
 *     null
 * @param earlyStopping early stopping's state after {@code epoch}, or null
 * @param bestWeights the weights of the best epoch so far, or null (kept only when early stopping
 *     restores the best weights)
 */
public record Checkpoint(
    TrainingConfig config,
    Normalization normalization,
    StateDict weights,
    StateDict optimizerState,
    int epoch,
    List<EpochStats> history,
    Map<String, Object> schedulerState,
    EarlyStopping.State earlyStopping,
    StateDict bestWeights) {
  static final String FORMAT = "rnn4j-checkpoint-1";
  private static final String OPTIMIZER_PREFIX = "optimizer.";
  private static final String BEST_PREFIX = "best.";
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES).build();
  // A scheduler's state dict as Python's json writes and reads it: ReduceLROnPlateau keeps
  // infinities.
  private static final ObjectMapper PYTHON_JSON =
      JsonMapper.builder()
          .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .build();

  /** A checkpoint of a run without a scheduler or early stopping. */
  public Checkpoint(
      TrainingConfig config,
      Normalization normalization,
      StateDict weights,
      StateDict optimizerState,
      int epoch,
      List<EpochStats> history) {
    this(config, normalization, weights, optimizerState, epoch, history, null, null, null);
  }

  /** Copies the history. */
  public Checkpoint {
    history = List.copyOf(history);
    schedulerState =
        schedulerState == null
            ? null
            : Collections.unmodifiableMap(new LinkedHashMap<>(schedulerState));
  }

  /** Writes the checkpoint to {@code path}, atomically (a temporary file, then a rename). */
  public void write(Path path) throws IOException {
    writer().write(path);
  }

  /**
   * The file's bytes, as {@link #write} would write them: for file systems other than the local one
   * (a Spark job's HDFS or object store) and for shipping a checkpoint to other processes.
   */
  public byte[] toByteArray() {
    return writer().toByteArray();
  }

  private SafetensorsWriter writer() {
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", FORMAT);
    meta.put("model", SequenceModelJson.toJson(config.model()));
    meta.put("data", json(config.data()));
    meta.put("optimizer", config.optimizer().toJson());
    meta.put(
        "schedule",
        json(new Schedule(config.epochs(), config.batchSize(), config.seed(), config.clipNorm())));
    if (config.accumulateGradBatches() != 1) {
      // Absent for 1, so that such checkpoints are the files rnn4j wrote before the option existed.
      meta.put("accumulate_grad_batches", Integer.toString(config.accumulateGradBatches()));
    }
    meta.put("normalization", normalization.toJson());
    meta.put("epoch", Integer.toString(epoch));
    meta.put("history", json(history));
    if (config.scheduler() != null) {
      meta.put("scheduler", config.scheduler().toJson());
    }
    if (schedulerState != null) {
      meta.put("scheduler_state", json(PYTHON_JSON, schedulerState));
    }
    if (config.earlyStopping() != null) {
      meta.put("early_stopping", json(config.earlyStopping()));
    }
    if (earlyStopping != null) {
      meta.put("early_stopping_state", json(earlyStopping));
    }
    Map<String, Tensor> tensors = new LinkedHashMap<>(weights.asMap());
    optimizerState.asMap().forEach((name, t) -> tensors.put(OPTIMIZER_PREFIX + name, t));
    if (bestWeights != null) {
      bestWeights.asMap().forEach((name, t) -> tensors.put(BEST_PREFIX + name, t));
    }
    SafetensorsWriter writer = Safetensors.writer().dataChecksum();
    tensors.forEach(writer::put);
    meta.forEach(writer::metadata);
    writer.metadata("checksum", checksum(tensors, meta));
    return writer;
  }

  /**
   * Reads and verifies a checkpoint; every problem is an {@link IllegalArgumentException} naming
   * the file.
   */
  public static Checkpoint read(Path path) throws IOException {
    return of(readFile(path), path.toString());
  }

  /** A checkpoint file of either task, read; a file that is not safetensors is refused as one. */
  static SafetensorsFile readFile(Path path) throws IOException {
    try {
      return Safetensors.read(path);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a readable checkpoint: " + e.getMessage(), e);
    }
  }

  /**
   * Parses and verifies a checkpoint held in {@code bytes} ({@link #toByteArray()}'s form, or a
   * file's content), as {@link #read} does; {@code source} names it in messages (a path or URI).
   */
  public static Checkpoint parse(byte[] bytes, String source) {
    SafetensorsFile file;
    try {
      file = Safetensors.parse(bytes, source);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a readable checkpoint: " + e.getMessage(), e);
    }
    return of(file, source);
  }

  private static Checkpoint of(SafetensorsFile file, String path) {
    Map<String, String> meta = new LinkedHashMap<>(file.metadata());
    if (!FORMAT.equals(meta.get("format"))) {
      throw new IllegalArgumentException(
          String.format(
              "%s: not an rnn4j checkpoint: expected format \"%s\", " + "got %s",
              path, FORMAT, meta.containsKey("format") ? '"' + meta.get("format") + '"' : "none"));
    }
    String stored = meta.remove("checksum");
    // Safetensors.read has checked the tensor bytes against it; this checksum covers the metadata.
    meta.remove(Safetensors.DATA_CHECKSUM_KEY);
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (String name : file.names()) {
      tensors.put(name, file.tensor(name));
    }
    String actual = checksum(tensors, meta);
    if (!actual.equals(stored)) {
      throw new IllegalArgumentException(
          String.format(
              "%s: checkpoint is corrupt: its checksum is %s, but " + "its content hashes to %s",
              path, stored, actual));
    }
    try {
      Schedule schedule = JSON.readValue(meta.get("schedule"), Schedule.class);
      DataConfig data = JSON.readValue(meta.get("data"), DataConfig.class);
      checkSizes(data, schedule.batchSize());
      TrainingConfig config =
          new TrainingConfig(
              SequenceModelJson.parse(meta.get("model")),
              data,
              OptimizerConfig.fromJson(meta.get("optimizer")),
              schedule.epochs(),
              schedule.batchSize(),
              schedule.seed(),
              schedule.clipNorm(),
              meta.containsKey("scheduler")
                  ? SchedulerConfig.fromJson(meta.get("scheduler"))
                  : null,
              meta.containsKey("early_stopping")
                  ? JSON.readValue(meta.get("early_stopping"), EarlyStoppingConfig.class)
                  : null,
              meta.containsKey("accumulate_grad_batches")
                  ? Integer.parseInt(meta.get("accumulate_grad_batches"))
                  : 1);
      Map<String, Tensor> weights = new LinkedHashMap<>();
      Map<String, Tensor> optimizer = new LinkedHashMap<>();
      Map<String, Tensor> best = new LinkedHashMap<>();
      tensors.forEach(
          (name, t) -> {
            if (name.startsWith(OPTIMIZER_PREFIX)) {
              optimizer.put(name.substring(OPTIMIZER_PREFIX.length()), t);
            } else if (name.startsWith(BEST_PREFIX)) {
              best.put(name.substring(BEST_PREFIX.length()), t);
            } else {
              weights.put(name, t);
            }
          });
      return new Checkpoint(
          config,
          Normalization.fromJson(meta.get("normalization")),
          StateDict.of(weights),
          StateDict.of(optimizer),
          Integer.parseInt(meta.get("epoch")),
          JSON.readValue(meta.get("history"), new TypeReference<List<EpochStats>>() {}),
          meta.containsKey("scheduler_state")
              ? PYTHON_JSON.readValue(
                  meta.get("scheduler_state"), new TypeReference<Map<String, Object>>() {})
              : null,
          meta.containsKey("early_stopping_state")
              ? JSON.readValue(meta.get("early_stopping_state"), EarlyStopping.State.class)
              : null,
          best.isEmpty() ? null : StateDict.of(best));
    } catch (JsonProcessingException | RuntimeException e) {
      throw new IllegalArgumentException(
          path + ": checkpoint metadata is invalid: " + e.getMessage(), e);
    }
  }

  /**
   * The bounds of {@link SizeLimits} on what metadata asks for beyond the model (whose JSON {@link
   * SequenceModelJson} bounds): a file's numbers are untrusted, and a window of two billion steps
   * would otherwise be tried.
   *
   * @param data the data settings, or null when the run has none (classification)
   * @param batchSize the schedule's batch size
   */
  static void checkSizes(DataConfig data, int batchSize) {
    SizeLimits.checkAtMost("batch size", batchSize, SizeLimits.MAX_BATCH_SIZE);
    if (data != null) {
      SizeLimits.checkAtMost("window", data.window(), SizeLimits.MAX_SEQUENCE_LENGTH);
      SizeLimits.checkAtMost("horizon", data.horizon(), SizeLimits.MAX_SEQUENCE_LENGTH);
      SizeLimits.checkAtMost("stride", data.stride(), SizeLimits.MAX_SEQUENCE_LENGTH);
    }
  }

  /** The schedule part of the configuration, as the checkpoint stores it. */
  record Schedule(int epochs, int batchSize, long seed, double clipNorm) {}

  private static String json(Object value) {
    return json(JSON, value);
  }

  private static String json(ObjectMapper mapper, Object value) {
    try {
      return mapper.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("records of numbers and strings always serialize", e);
    }
  }

  /** SHA-256 over the metadata (sorted by key) and every tensor's name, dtype, shape and values. */
  static String checksum(Map<String, Tensor> tensors, Map<String, String> meta) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    new TreeMap<>(meta)
        .forEach((k, v) -> sha.update((k + "=" + v + "\n").getBytes(StandardCharsets.UTF_8)));
    tensors.forEach(
        (name, t) -> {
          sha.update(
              (name + ":" + t.dtype() + ":" + java.util.Arrays.toString(t.shape()) + "\n")
                  .getBytes(StandardCharsets.UTF_8));
          ByteBuffer bytes =
              ByteBuffer.allocate(t.numel() * t.dtype().byteSize()).order(ByteOrder.LITTLE_ENDIAN);
          if (t.dtype() == DType.FLOAT32) {
            bytes.asFloatBuffer().put(t.toFloatArray());
          } else {
            bytes.asDoubleBuffer().put(t.toDoubleArray());
          }
          sha.update(bytes);
        });
    return HexFormat.of().formatHex(sha.digest());
  }
}
