package dev.rnn4j.cli;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.BackendUnavailableException;
import dev.rnn4j.io.ModelConfigJson;
import dev.rnn4j.io.Safetensors;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.io.SafetensorsWriter;
import dev.rnn4j.io.StateDictFiles;
import dev.rnn4j.nn.Rnn;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.RnnMode;
import dev.rnn4j.nn.RnnOutput;
import dev.rnn4j.nn.RnnState;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rnn4j forward}: one evaluation-mode forward pass of a module whose config, weights and inputs are
 * files, as {@code out, h_n = module(input, h0)} (or {@code (h0, c0)}) in PyTorch, or over
 * {@code pack_padded_sequence(input, lengths, enforce_sorted=False)} when lengths are given.
 *
 * <p>Everything is read and checked, and the forward pass run, before anything is written; the output file
 * is then written atomically, so a failed run leaves it as it was.
 */
@Command(
    name = "forward",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    header = "Runs one forward pass of a PyTorch RNN, LSTM or GRU stored as safetensors files.",
    // picocli would break the file names of the generated synopsis at their dots.
    customSynopsis = {
      "rnn4j forward --config=C.json --weights=W.safetensors",
      "                     --input=IN.safetensors --output=OUT.safetensors",
      "                     [--device=DEVICE] [-hV]"
    },
    description = {
      "Builds the module from C.json and W.safetensors, runs it in evaluation mode on IN.safetensors, "
          + "and writes output, h_n and (LSTM) c_n to OUT.safetensors.",
      "",
      "The weights are the module's state_dict under PyTorch's names, as save_file(module.state_dict(), "
          + "path) of safetensors.torch writes them: all F32 or all F64. The module, its inputs and its "
          + "outputs take that dtype.",
      "The input file holds 'input' and optionally 'h0', 'c0' (LSTM) and 'lengths' (I64 or I32, one per "
          + "sequence, in [1, seq_len]: packed-sequence semantics, output 0 past each length).",
      "",
      "On any error: one line on stderr, exit code 1, and the output file is left as it was."
    })
final class ForwardCommand implements Callable<Integer> {
  /** The tensors an input file may hold; only {@code input} is required. */
  private static final List<String> INPUT_NAMES = List.of("input", "h0", "c0", "lengths");

  @Spec
  private CommandSpec spec;

  @Option(names = "--config", required = true, paramLabel = "C.json",
      description = "The model config: the constructor arguments as JSON, such as {\"mode\": \"LSTM\", "
          + "\"input_size\": 10, \"hidden_size\": 20, \"num_layers\": 2}.")
  private Path config;

  @Option(names = "--weights", required = true, paramLabel = "W.safetensors",
      description = "The module's state_dict (F32 or F64).")
  private Path weights;

  @Option(names = "--input", required = true, paramLabel = "IN.safetensors",
      description = "input, and optionally h0, c0 and lengths.")
  private Path input;

  @Option(names = "--output", required = true, paramLabel = "OUT.safetensors",
      description = "Receives output, h_n and, for LSTM, c_n; replaced atomically.")
  private Path output;

  @Mixin
  private DeviceOption device;

  @Override
  public Integer call() {
    try {
      run();
      return 0;
    } catch (IllegalArgumentException | BackendUnavailableException e) {
      spec.commandLine().getErr().println("rnn4j forward: " + Failures.oneLine(e));
      spec.commandLine().getErr().flush();
      return 1;
    }
  }

  private void run() {
    Backend backend = device.select();
    RnnConfig cfg = read("--config", config, ModelConfigJson::read);
    StateDict stateDict = read("--weights", weights, StateDictFiles::read);
    SafetensorsFile in = read("--input", input, Safetensors::read);
    checkInputNames(in);
    try (Rnn rnn = Rnn.fromStateDict(cfg, stateDict)) {
      rnn.eval().to(backend);
      DType dtype = rnn.dtype();
      RnnOutput result = rnn.forward(floats(in, "input", dtype), state(in, cfg, dtype), lengths(in));
      SafetensorsWriter out = Safetensors.writer()
          .put("output", result.output())
          .put("h_n", result.hN());
      if (cfg.mode() == RnnMode.LSTM) {
        out.put("c_n", result.cN());
      }
      out.metadata("producer", "rnn4j forward").metadata("config", cfg.toString());
      write(out);
    }
  }

  private void checkInputNames(SafetensorsFile in) {
    List<String> unexpected = new ArrayList<>();
    for (String name : in.names()) {
      if (!INPUT_NAMES.contains(name)) {
        unexpected.add('"' + name + '"');
      }
    }
    if (!unexpected.isEmpty()) {
      throw new IllegalArgumentException(String.format(
          "%s: unexpected tensor(s) %s; an input file holds \"input\" and optionally \"h0\", \"c0\", "
              + "\"lengths\"", input, String.join(", ", unexpected)));
    }
    if (!in.contains("input")) {
      throw new IllegalArgumentException(String.format(
          "%s: no tensor named \"input\"; the file holds %s", input, in.names()));
    }
  }

  /** {@code h0} and {@code c0} as PyTorch's {@code hx}, or null when the file has neither. */
  private RnnState state(SafetensorsFile in, RnnConfig cfg, DType dtype) {
    Tensor h0 = in.contains("h0") ? floats(in, "h0", dtype) : null;
    Tensor c0 = in.contains("c0") ? floats(in, "c0", dtype) : null;
    String module = cfg.mode().moduleName();
    if (h0 == null && c0 != null) {
      // Rnn.forward reports every other h0/c0 mismatch; it cannot see a c0 that comes without an h0.
      throw new IllegalArgumentException(cfg.mode() == RnnMode.LSTM
          ? String.format("LSTM expects hx = (h0, c0), got c0 without h0 in %s", input)
          : String.format("%s expects a hidden state h0 only, got c0 in %s (a cell state exists only for "
              + "LSTM)", module, input));
    }
    if (h0 == null) {
      return null;
    }
    return c0 == null ? RnnState.of(h0) : RnnState.of(h0, c0);
  }

  /** Tensor {@code name}, which must be of the weights' dtype: PyTorch does not convert inputs either. */
  private Tensor floats(SafetensorsFile in, String name, DType dtype) {
    String expected = dtype == DType.FLOAT32 ? "F32" : "F64";
    String actual = in.dtype(name);
    if (!actual.equals(expected)) {
      throw new IllegalArgumentException(String.format(
          "%s: tensor \"%s\" has dtype %s, but the weights are %s; input, h0 and c0 must have the "
              + "weights' dtype", input, name, actual, expected));
    }
    return in.tensor(name);
  }

  /** The {@code lengths} tensor as ints, or null when the file has none. */
  private int[] lengths(SafetensorsFile in) {
    if (!in.contains("lengths")) {
      return null;
    }
    String dtype = in.dtype("lengths");
    int[] shape = in.shape("lengths");
    if (!dtype.equals("I64") && !dtype.equals("I32")) {
      throw new IllegalArgumentException(String.format(
          "%s: tensor \"lengths\" has dtype %s; lengths must be I64 or I32", input, dtype));
    }
    if (shape.length != 1) {
      throw new IllegalArgumentException(String.format(
          "%s: tensor \"lengths\" must be 1-D, one length per sequence, got shape %s", input,
          Shape.list(shape)));
    }
    long[] values = in.int64s("lengths");
    int[] lengths = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      // Narrowing would turn 2^32 + 3 into a valid-looking 3.
      if (values[i] != (int) values[i]) {
        throw new IllegalArgumentException(String.format(
            "%s: lengths[%d] = %d is out of range; a length is in [1, seq_len]", input, i, values[i]));
      }
      lengths[i] = (int) values[i];
    }
    return lengths;
  }

  private void write(SafetensorsWriter out) {
    try {
      out.write(output);
    } catch (IOException e) {
      throw new IllegalArgumentException(Failures.describe("--output", output, e), e);
    } catch (IllegalStateException e) {
      // The results exceed what one safetensors file (a Java array) holds: input too large, not a bug.
      throw new IllegalArgumentException("--output " + output + ": " + Failures.oneLine(e), e);
    }
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
