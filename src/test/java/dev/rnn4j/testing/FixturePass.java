package dev.rnn4j.testing;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.Device;
import dev.rnn4j.io.ModelConfigJson;
import dev.rnn4j.io.Safetensors;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.io.StateDictFiles;
import dev.rnn4j.nn.Rnn;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.RnnOutput;
import dev.rnn4j.nn.RnnState;
import dev.rnn4j.nn.RnnTape;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.spec.RnnMode;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.Fixtures.FixtureCase;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A forward or backward fixture's module, inputs and upstream gradients, run on any backend in any
 * dtype (the stored values converted): what the tests that compare two backends, or a backend with
 * recorded results, run.
 */
public final class FixturePass {
  /**
   * Outputs and states ({@code output}, {@code h_n}, {@code c_n} for LSTM), and for a backward
   * fixture the gradients: of the input, of {@code h0} and {@code c0} when the fixture gives them,
   * then of every parameter in {@code state_dict} order.
   */
  public record Results(List<Tensor> values, List<Tensor> grads) {}

  private final RnnConfig config;
  private final StateDict weights;
  private final SafetensorsFile in;
  private final SafetensorsFile grad;

  private FixturePass(FixtureCase c, boolean backward) throws IOException {
    config = ModelConfigJson.read(c.dir().resolve("config.json"));
    weights = StateDictFiles.read(c.dir().resolve("weights.safetensors"));
    in = Safetensors.read(c.dir().resolve("input.safetensors"));
    grad = backward ? Safetensors.read(c.dir().resolve("grad.safetensors")) : null;
  }

  /** A forward fixture: outputs and states only. */
  public static FixturePass forward(FixtureCase c) throws IOException {
    return new FixturePass(c, false);
  }

  /** A backward fixture: outputs, states and every gradient of the fixture's loss. */
  public static FixturePass backward(FixtureCase c) throws IOException {
    return new FixturePass(c, true);
  }

  /** Whether the fixture's values are float32 (otherwise float64). */
  public boolean float32() {
    return in.tensor("input").dtype() == DType.FLOAT32;
  }

  /** The pass in {@code dtype} on {@code backend}, in eval mode. */
  public Results run(DType dtype, Backend backend) {
    try (Rnn rnn = Rnn.fromStateDict(config, weights).to(dtype).to(backend).eval()) {
      Tensor x = in.tensor("input").to(dtype);
      if (grad == null) {
        RnnOutput out = rnn.forward(x, state(dtype), lengths());
        return new Results(values(out), List.of());
      }
      // Host input: the results come back as host tensors, which outlive the tape.
      try (RnnTape tape = rnn.forwardForBackward(x, state(dtype), lengths())) {
        RnnTape.RnnGradients g =
            tape.backward(
                grad.tensor("grad_output").to(dtype),
                upstream("grad_h_n", dtype),
                upstream("grad_c_n", dtype));
        List<Tensor> grads = new ArrayList<>(List.of(g.input()));
        g.h0().ifPresent(grads::add);
        g.c0().ifPresent(grads::add);
        StateDict params = rnn.grad();
        for (String name : params.names()) {
          grads.add(params.get(name));
        }
        // Copies: the tape's own results go with it.
        List<Tensor> values = values(tape.output()).stream().map(FixturePass::copy).toList();
        return new Results(values, grads);
      }
    }
  }

  private static Tensor copy(Tensor t) {
    Tensor host = t.to(Device.CPU);
    return host.dtype() == DType.FLOAT32
        ? Tensor.of(host.toFloatArray(), host.shape())
        : Tensor.of(host.toDoubleArray(), host.shape());
  }

  private List<Tensor> values(RnnOutput out) {
    List<Tensor> values = new ArrayList<>(List.of(out.output(), out.hN()));
    if (config.mode() == RnnMode.LSTM) {
      values.add(out.cN());
    }
    return values;
  }

  private Tensor upstream(String name, DType dtype) {
    return grad.contains(name) ? grad.tensor(name).to(dtype) : null;
  }

  private RnnState state(DType dtype) {
    if (!in.contains("h0")) {
      return null;
    }
    return in.contains("c0")
        ? RnnState.of(in.tensor("h0").to(dtype), in.tensor("c0").to(dtype))
        : RnnState.of(in.tensor("h0").to(dtype));
  }

  private int[] lengths() {
    return in.contains("lengths")
        ? Arrays.stream(in.int64s("lengths")).mapToInt(Math::toIntExact).toArray()
        : null;
  }
}
