package dev.rnn4j.cli;

import dev.rnn4j.backend.DType;
import dev.rnn4j.io.Safetensors;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.io.SafetensorsWriter;
import dev.rnn4j.nn.Rnn;
import dev.rnn4j.nn.RnnOutput;
import dev.rnn4j.nn.RnnTape;
import dev.rnn4j.nn.RnnTape.RnnGradients;
import dev.rnn4j.spec.RnnMode;
import dev.rnn4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rnn4j backward}: one evaluation-mode forward pass, as {@code forward}, then its backward
 * pass: the gradients of {@code sum(output * grad_output) + sum(h_n * grad_h_n) + sum(c_n *
 * grad_c_n)} with respect to the input, the initial states given, and every parameter, as PyTorch's
 * autograd computes them.
 *
 * <p>As with {@code forward}, everything is checked and computed before the output file is written,
 * then it is written atomically.
 */
@Command(
    name = "backward",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    header =
        "Runs the forward and backward pass of a PyTorch RNN, LSTM or GRU stored as safetensors files.",
    customSynopsis = {
      "rnn4j backward --config=C.json --weights=W.safetensors",
      "               --input=IN.safetensors --grad=G.safetensors",
      "               --output=OUT.safetensors [--device=DEVICE] [-hV]"
    },
    description = {
      "C.json, W.safetensors and IN.safetensors as for forward. G.safetensors holds grad_output (the "
          + "output's shape) and optionally grad_h_n and grad_c_n (LSTM); an absent one means zeros. "
          + "Gradients at the padded steps of variable-length sequences have no effect.",
      "",
      "OUT.safetensors receives output, h_n, c_n (LSTM), grad_input, grad_h0 and grad_c0 (when IN gave h0 "
          + "and c0), and grad.<name> for every parameter (grad.weight_hh_l1_reverse, ...): the gradients "
          + "of sum(output * grad_output) + sum(h_n * grad_h_n) + sum(c_n * grad_c_n).",
      "",
      "On any error: one line on stderr, exit code 1, and the output file is left as it was."
    })
final class BackwardCommand implements Runnable {
  /** The tensors a gradient file may hold; only {@code grad_output} is required. */
  private static final List<String> GRAD_NAMES = List.of("grad_output", "grad_h_n", "grad_c_n");

  @Mixin private ModuleFiles files;

  @Option(
      names = "--grad",
      required = true,
      paramLabel = "G.safetensors",
      description = "grad_output, and optionally grad_h_n and grad_c_n.")
  private Path grad;

  @Override
  public void run() {
    ModuleFiles.Loaded in = files.load(true);
    SafetensorsFile g = ModuleFiles.readSafetensors("--grad", grad);
    ModuleFiles.checkNames(g, grad, "a gradient file", GRAD_NAMES);
    try (Rnn rnn = in.module()) {
      DType dtype = rnn.dtype();
      Tensor gradOutput = ModuleFiles.floats(g, grad, "grad_output", dtype);
      Tensor gradHN =
          g.contains("grad_h_n") ? ModuleFiles.floats(g, grad, "grad_h_n", dtype) : null;
      Tensor gradCN =
          g.contains("grad_c_n") ? ModuleFiles.floats(g, grad, "grad_c_n", dtype) : null;
      try (RnnTape tape = rnn.forwardForBackward(in.input(), in.state(), in.lengths())) {
        RnnGradients grads = tape.backward(gradOutput, gradHN, gradCN);
        RnnOutput result = tape.output();
        SafetensorsWriter out =
            Safetensors.writer()
                .dataChecksum()
                .put("output", result.output())
                .put("h_n", result.hN());
        if (in.config().mode() == RnnMode.LSTM) {
          out.put("c_n", result.cN());
        }
        out.put("grad_input", grads.input());
        grads.h0().ifPresent(t -> out.put("grad_h0", t));
        grads.c0().ifPresent(t -> out.put("grad_c0", t));
        rnn.grad().asMap().forEach((name, t) -> out.put("grad." + name, t));
        out.metadata("producer", "rnn4j backward").metadata("config", in.config().toString());
        files.write(out);
      }
    }
  }
}
