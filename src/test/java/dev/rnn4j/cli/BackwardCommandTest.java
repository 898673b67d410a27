package dev.rnn4j.cli;

import static dev.rnn4j.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.rnn4j.backend.DType;
import dev.rnn4j.io.Safetensors;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.io.SafetensorsWriter;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.Fixtures;
import dev.rnn4j.testing.Fixtures.FixtureCase;
import dev.rnn4j.testing.Tolerance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** {@code rnn4j backward} end to end on PyTorch's gradient fixtures, and on bad gradient files. */
@Tag("integration")
@Tag("cli")
class BackwardCommandTest {
  @TempDir Path tmp;

  @TestFactory
  Stream<DynamicTest> everyFixtureThroughTheCommand() {
    return Fixtures.cases("backward").stream().map(c -> dynamicTest(c.id(), () -> check(c)));
  }

  private void check(FixtureCase c) throws IOException {
    Path out = tmp.resolve(c.id() + ".safetensors");
    CliRun run = run(c, c.dir().resolve("grad.safetensors"), out);
    assertEquals(0, run.exitCode(), run.describe());
    SafetensorsFile expected = Safetensors.read(c.dir().resolve("expected.safetensors"));
    SafetensorsFile actual = Safetensors.read(out);
    assertEquals(
        expected.names().stream().sorted().toList(),
        actual.names().stream().sorted().toList(),
        c.id() + ": the output file holds exactly what the contract lists");
    for (String name : expected.names()) {
      Tolerance bar = Tolerance.backward(c);
      assertClose(
          expected.tensor(name), actual.tensor(name), bar.atol(), bar.rtol(), c.id() + " " + name);
    }
    assertEquals("rnn4j backward", actual.metadata().get("producer"));
  }

  @Test
  void badGradientFilesFailWithOneLineAndWriteNothing() throws IOException {
    FixtureCase c =
        Fixtures.cases("backward").stream()
            .filter(f -> f.id().equals("gru_l1_bi_sf_bias_h0"))
            .findFirst()
            .orElseThrow();
    SafetensorsFile grad = Safetensors.read(c.dir().resolve("grad.safetensors"));
    Tensor gradOutput = grad.tensor("grad_output");
    int[] shape = gradOutput.shape();
    assertFails(
        c,
        Safetensors.writer().put("grad_output", Tensor.zeros(DType.FLOAT32, shape[0], shape[1], 3)),
        "Mismatch in shape: grad_output has a shape of [4, 3, 3] and output has a shape of [4, 3, 10].");
    assertFails(
        c,
        Safetensors.writer().put("grad_output", gradOutput).put("grad_hn", gradOutput),
        "unexpected tensor(s) \"grad_hn\"; a gradient file holds \"grad_output\" and optionally \"grad_h_n\", "
            + "\"grad_c_n\"");
    assertFails(
        c,
        Safetensors.writer().put("grad_h_n", grad.tensor("grad_h_n")),
        "no tensor named \"grad_output\"");
    assertFails(
        c,
        Safetensors.writer().put("grad_output", gradOutput.to(DType.FLOAT64)),
        "tensor \"grad_output\" has dtype F64, but the weights are F32");
    assertFails(
        c,
        Safetensors.writer()
            .put("grad_output", gradOutput)
            .put("grad_c_n", grad.tensor("grad_h_n")),
        "grad_c_n was given, but GRU has no c_n (a cell state exists only for LSTM)");
  }

  @Test
  void helpDescribesTheContract() {
    CliRun run = CliRun.of("backward", "--help");
    assertEquals(0, run.exitCode());
    assertTrue(run.out().contains("grad.<name>"), run.out());
  }

  private void assertFails(FixtureCase c, SafetensorsWriter grad, String fragment)
      throws IOException {
    Path gradFile = tmp.resolve("bad-grad.safetensors");
    grad.write(gradFile);
    Path out = tmp.resolve("never.safetensors");
    CliRun run = run(c, gradFile, out);
    assertEquals(1, run.exitCode(), run.describe());
    List<String> lines = run.errLines();
    assertEquals(1, lines.size(), run.describe());
    assertTrue(
        lines.get(0).startsWith("rnn4j backward: ") && lines.get(0).contains(fragment),
        run.describe());
    assertFalse(Files.exists(out), "nothing is written on failure");
  }

  private static CliRun run(FixtureCase c, Path grad, Path out) {
    return CliRun.of(
        "backward",
        "--device",
        "cpu",
        "--config",
        c.dir().resolve("config.json").toString(),
        "--weights",
        c.dir().resolve("weights.safetensors").toString(),
        "--input",
        c.dir().resolve("input.safetensors").toString(),
        "--grad",
        grad.toString(),
        "--output",
        out.toString());
  }
}
