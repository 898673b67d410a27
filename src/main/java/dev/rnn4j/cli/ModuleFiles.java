package dev.rnn4j.cli;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.DType;
import dev.rnn4j.io.ModelConfigJson;
import dev.rnn4j.io.Safetensors;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.io.SafetensorsWriter;
import dev.rnn4j.io.StateDictFiles;
import dev.rnn4j.nn.Rnn;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.RnnState;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.spec.RnnMode;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.train.MemoryEstimate;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The files of the commands that run a stored module ({@code forward}, {@code backward}): the
 * config, the weights, the input, the output and the device, with the reading and checking they
 * share.
 *
 * <p>A file that cannot be read is bad input like a malformed one: every problem becomes an {@link
 * IllegalArgumentException} whose message names the option or the file.
 */
final class ModuleFiles {
  /** The tensors an input file may hold; only {@code input} is required. */
  private static final List<String> INPUT_NAMES = List.of("input", "h0", "c0", "lengths");

  @Option(
      names = "--config",
      required = true,
      paramLabel = "C.json",
      description =
          "The model config: the constructor arguments as JSON, such as {\"mode\": \"LSTM\", "
              + "\"input_size\": 10, \"hidden_size\": 20, \"num_layers\": 2}.")
  private Path config;

  @Option(
      names = "--weights",
      required = true,
      paramLabel = "W.safetensors",
      description = "The module's state_dict (F32 or F64).")
  private Path weights;

  @Option(
      names = "--input",
      required = true,
      paramLabel = "IN.safetensors",
      description = "input, and optionally h0, c0 and lengths.")
  private Path input;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "OUT.safetensors",
      description = "Receives the results; replaced atomically.")
  private Path output;

  @Mixin private DeviceOption device;

  /** What the files hold, read and checked. */
  record Loaded(RnnConfig config, Rnn module, Tensor input, RnnState state, int[] lengths) {}

  /**
   * Reads the config, the weights and the input; the module is in evaluation mode on the chosen
   * device. The pass's memory ({@code backward}: with its tape and gradients) is checked before the
   * module is built.
   */
  Loaded load(boolean backward) {
    OutputPaths.checkFile("--output", output);
    Backend backend = device.select();
    RnnConfig cfg = read("--config", config, ModelConfigJson::read);
    StateDict stateDict = read("--weights", weights, StateDictFiles::read);
    SafetensorsFile in = read("--input", input, Safetensors::read);
    checkNames(in, input, "an input file", INPUT_NAMES);
    checkMemory(cfg, stateDict, in.shape("input"), backward, backend);
    Rnn rnn = Rnn.fromStateDict(cfg, stateDict);
    rnn.eval().to(backend);
    DType dtype = rnn.dtype();
    return new Loaded(
        cfg, rnn, floats(in, input, "input", dtype), state(in, cfg, dtype), lengths(in));
  }

  /**
   * Refuses a pass that cannot fit, sized from the input's shape ((L, N, H_in), (N, L, H_in) batch
   * first, or unbatched (L, H_in)); a shape of another rank is left to the forward pass's message.
   */
  private static void checkMemory(
      RnnConfig cfg, StateDict stateDict, int[] shape, boolean backward, Backend backend) {
    int steps = 1;
    int batch = 1;
    if (shape.length == 3) {
      steps = cfg.batchFirst() ? shape[1] : shape[0];
      batch = cfg.batchFirst() ? shape[0] : shape[1];
    } else if (shape.length == 2) {
      steps = shape[0];
    }
    DType dtype =
        stateDict.asMap().values().stream().findFirst().map(Tensor::dtype).orElse(DType.FLOAT32);
    MemoryEstimate.pass(cfg, dtype, batch, steps, backward, backend.device())
        .checkFits(
            backend,
            part ->
                part == MemoryEstimate.Part.ACTIVATIONS
                    ? "give a shorter or smaller batch in --input"
                    : "the weights fix the module's sizes");
  }

  /** Reads another safetensors file of the command (such as {@code --grad}). */
  static SafetensorsFile readSafetensors(String option, Path path) {
    return read(option, path, Safetensors::read);
  }

  /**
   * Fails unless every tensor of {@code file} is one of {@code allowed}, whose first name is
   * required; {@code kind} names such a file in the message ("an input file").
   */
  static void checkNames(SafetensorsFile file, Path path, String kind, List<String> allowed) {
    String required = allowed.get(0);
    List<String> unexpected = new ArrayList<>();
    for (String name : file.names()) {
      if (!allowed.contains(name)) {
        unexpected.add('"' + name + '"');
      }
    }
    if (!unexpected.isEmpty()) {
      throw new IllegalArgumentException(
          String.format(
              "%s: unexpected tensor(s) %s; %s holds \"%s\" and optionally %s",
              path,
              String.join(", ", unexpected),
              kind,
              required,
              String.join(
                  ", ",
                  allowed.subList(1, allowed.size()).stream().map(n -> '"' + n + '"').toList())));
    }
    if (!file.contains(required)) {
      throw new IllegalArgumentException(
          String.format(
              "%s: no tensor named \"%s\"; the file holds %s", path, required, file.names()));
    }
  }

  /**
   * Tensor {@code name}, which must be of the weights' dtype: PyTorch does not convert inputs
   * either.
   */
  static Tensor floats(SafetensorsFile file, Path path, String name, DType dtype) {
    String expected = dtype == DType.FLOAT32 ? "F32" : "F64";
    String actual = file.dtype(name);
    if (!actual.equals(expected)) {
      throw new IllegalArgumentException(
          String.format(
              "%s: tensor \"%s\" has dtype %s, but the weights are %s; inputs and gradients must have the "
                  + "weights' dtype",
              path, name, actual, expected));
    }
    return file.tensor(name);
  }

  /** Writes the results atomically to {@code --output}. */
  void write(SafetensorsWriter out) {
    try {
      out.write(output);
    } catch (IOException e) {
      throw new IllegalArgumentException(Failures.describe("--output", output, e), e);
    } catch (IllegalStateException e) {
      // The results exceed what one safetensors file (a Java array) holds: input too large, not a
      // bug.
      throw new IllegalArgumentException("--output " + output + ": " + Failures.oneLine(e), e);
    }
  }

  /** {@code h0} and {@code c0} as PyTorch's {@code hx}, or null when the file has neither. */
  private RnnState state(SafetensorsFile in, RnnConfig cfg, DType dtype) {
    Tensor h0 = in.contains("h0") ? floats(in, input, "h0", dtype) : null;
    Tensor c0 = in.contains("c0") ? floats(in, input, "c0", dtype) : null;
    String module = cfg.mode().moduleName();
    if (h0 == null && c0 != null) {
      // Rnn.forward reports every other h0/c0 mismatch; it cannot see a c0 that comes without an
      // h0.
      throw new IllegalArgumentException(
          cfg.mode() == RnnMode.LSTM
              ? String.format("LSTM expects hx = (h0, c0), got c0 without h0 in %s", input)
              : String.format(
                  "%s expects a hidden state h0 only, got c0 in %s (a cell state exists only for "
                      + "LSTM)",
                  module, input));
    }
    if (h0 == null) {
      return null;
    }
    return c0 == null ? RnnState.of(h0) : RnnState.of(h0, c0);
  }

  /** The {@code lengths} tensor as ints, or null when the file has none. */
  private int[] lengths(SafetensorsFile in) {
    if (!in.contains("lengths")) {
      return null;
    }
    String dtype = in.dtype("lengths");
    int[] shape = in.shape("lengths");
    if (!dtype.equals("I64") && !dtype.equals("I32")) {
      throw new IllegalArgumentException(
          String.format(
              "%s: tensor \"lengths\" has dtype %s; lengths must be I64 or I32", input, dtype));
    }
    if (shape.length != 1) {
      throw new IllegalArgumentException(
          String.format(
              "%s: tensor \"lengths\" must be 1-D, one length per sequence, got shape %s",
              input, Shape.list(shape)));
    }
    long[] values = in.int64s("lengths");
    int[] lengths = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      // Narrowing would turn 2^32 + 3 into a valid-looking 3.
      if (values[i] != (int) values[i]) {
        throw new IllegalArgumentException(
            String.format(
                "%s: lengths[%d] = %d is out of range; a length is in [1, seq_len]",
                input, i, values[i]));
      }
      lengths[i] = (int) values[i];
    }
    return lengths;
  }

  /** Reads one of the files named by an option. */
  @FunctionalInterface
  private interface Reader<T> {
    T read(Path path) throws IOException;
  }

  /** Reads {@code path}; a file that cannot be read is bad input like a malformed one. */
  private static <T> T read(String option, Path path, Reader<T> reader) {
    try {
      return reader.read(path);
    } catch (IOException e) {
      throw new IllegalArgumentException(Failures.describe(option, path, e), e);
    }
  }
}
