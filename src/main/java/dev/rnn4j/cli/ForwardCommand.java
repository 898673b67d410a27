package dev.rnn4j.cli;

import dev.rnn4j.io.Safetensors;
import dev.rnn4j.io.SafetensorsWriter;
import dev.rnn4j.nn.Rnn;
import dev.rnn4j.nn.RnnOutput;
import dev.rnn4j.spec.RnnMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code rnn4j forward}: one evaluation-mode forward pass of a module whose config, weights and
 * inputs are files, as {@code out, h_n = module(input, h0)} (or {@code (h0, c0)}) in PyTorch, or
 * over {@code pack_padded_sequence(input, lengths, enforce_sorted=False)} when lengths are given.
 *
 * <p>Everything is read and checked, and the forward pass run, before anything is written; the
 * output file is then written atomically, so a failed run leaves it as it was.
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
final class ForwardCommand implements Runnable {
  @Mixin private ModuleFiles files;

  @Override
  public void run() {
    ModuleFiles.Loaded in = files.load(false);
    try (Rnn rnn = in.module()) {
      RnnOutput result = rnn.forward(in.input(), in.state(), in.lengths());
      SafetensorsWriter out =
          Safetensors.writer()
              .dataChecksum()
              .put("output", result.output())
              .put("h_n", result.hN());
      if (in.config().mode() == RnnMode.LSTM) {
        out.put("c_n", result.cN());
      }
      out.metadata("producer", "rnn4j forward").metadata("config", in.config().toString());
      files.write(out);
    }
  }
}
