package dev.rnn4j.cli;

import static dev.rnn4j.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.rnn4j.backend.DType;
import dev.rnn4j.io.ModelConfigJson;
import dev.rnn4j.io.Safetensors;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.io.SafetensorsWriter;
import dev.rnn4j.io.StateDictFiles;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.spec.RnnMode;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.Fixtures;
import dev.rnn4j.testing.Fixtures.FixtureCase;
import dev.rnn4j.testing.Tolerance;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code rnn4j forward} end to end: PyTorch's fixtures through the command line, and bad input. */
@Tag("integration")
@Tag("cli")
class ForwardCommandTest {
  @TempDir Path tmp;

  /**
   * A case's files: copies in a temporary folder, so that a test may spoil them, and an output in a
   * folder of its own, so that a test can see everything a run leaves there.
   */
  record CaseFiles(Path config, Path weights, Path input, Path output) {
    static CaseFiles copy(FixtureCase c, Path dir) throws IOException {
      Files.createDirectories(dir.resolve("out"));
      CaseFiles f =
          new CaseFiles(
              dir.resolve("config.json"),
              dir.resolve("weights.safetensors"),
              dir.resolve("input.safetensors"),
              dir.resolve("out").resolve("out.safetensors"));
      Files.copy(c.dir().resolve("config.json"), f.config());
      Files.copy(c.dir().resolve("weights.safetensors"), f.weights());
      Files.copy(c.dir().resolve("input.safetensors"), f.input());
      return f;
    }

    CliRun run(String... extra) {
      List<String> args =
          new ArrayList<>(
              List.of(
                  "forward",
                  "--config",
                  config.toString(),
                  "--weights",
                  weights.toString(),
                  "--input",
                  input.toString(),
                  "--output",
                  output.toString()));
      args.addAll(List.of(extra));
      return CliRun.of(args.toArray(String[]::new));
    }
  }

  // ---- PyTorch's fixtures ----

  /** Every fixture: each is a few kilobytes, and the whole set runs in about a second. */
  @TestFactory
  Stream<DynamicTest> everyFixtureMatchesPyTorch() {
    return Fixtures.forwardCases().stream().map(c -> dynamicTest(c.id(), () -> checkFixture(c)));
  }

  private void checkFixture(FixtureCase c) throws IOException {
    CaseFiles f = CaseFiles.copy(c, tmp.resolve(c.id()));
    CliRun run = f.run("--device", "cpu");
    assertEquals(0, run.exitCode(), run.describe());
    assertEquals("", run.out(), run.describe());
    assertEquals("", run.err(), run.describe());

    RnnConfig config = ModelConfigJson.read(f.config());
    SafetensorsFile expected = Safetensors.read(c.dir().resolve("expected.safetensors"));
    SafetensorsFile actual = Safetensors.read(f.output());
    boolean lstm = config.mode() == RnnMode.LSTM;
    assertEquals(lstm ? List.of("output", "h_n", "c_n") : List.of("output", "h_n"), actual.names());
    for (String name : actual.names()) {
      Tolerance bar = Tolerance.forward(c);
      assertClose(
          expected.tensor(name), actual.tensor(name), bar.atol(), bar.rtol(), c.id() + " " + name);
    }
    assertEquals(
        Map.of(
            "producer",
            "rnn4j forward",
            "config",
            config.toString(),
            Safetensors.DATA_CHECKSUM_KEY,
            actual.metadata().get(Safetensors.DATA_CHECKSUM_KEY)),
        actual.metadata());
  }

  @Test
  void lengthsMayBeInt32() throws IOException {
    FixtureCase c = Fixtures.forwardCase("lstm_len_l2_bi_bf_h0");
    CaseFiles f = CaseFiles.copy(c, tmp);
    SafetensorsFile in = Safetensors.read(f.input());
    long[] lengths = in.int64s("lengths");
    int[] narrow = new int[lengths.length];
    for (int i = 0; i < lengths.length; i++) {
      narrow[i] = (int) lengths[i];
    }
    Safetensors.writer()
        .put("input", in.tensor("input"))
        .put("h0", in.tensor("h0"))
        .put("c0", in.tensor("c0"))
        .putInt32("lengths", narrow, narrow.length)
        .write(f.input());

    CliRun run = f.run("--device", "cpu");
    assertEquals(0, run.exitCode(), run.describe());
    SafetensorsFile expected = Safetensors.read(c.dir().resolve("expected.safetensors"));
    Tolerance bar = Tolerance.forward(c);
    assertClose(
        expected.tensor("output"),
        Safetensors.read(f.output()).tensor("output"),
        bar.atol(),
        bar.rtol(),
        "output");
  }

  @Test
  void outputTakesTheWeightsDtype() throws IOException {
    CaseFiles f = CaseFiles.copy(Fixtures.forwardCase("gru_f64_l2_bi_sf_h0"), tmp);
    assertEquals(0, f.run("--device", "cpu").exitCode());
    SafetensorsFile out = Safetensors.read(f.output());
    assertEquals("F64", out.dtype("output"));
    assertEquals(DType.FLOAT64, out.tensor("h_n").dtype());
  }

  @Test
  void anExistingOutputIsReplaced() throws IOException {
    CaseFiles f = CaseFiles.copy(Fixtures.forwardCase("seed_vanilla"), tmp);
    Files.writeString(f.output(), "stale");
    assertEquals(0, f.run("--device", "cpu").exitCode());
    assertArrayEquals(new int[] {4, 5, 2}, Safetensors.read(f.output()).shape("output"));
  }

  // ---- Bad input ----

  /** A way to spoil a valid case's files. */
  @FunctionalInterface
  interface Spoiler {
    void spoil(CaseFiles f) throws IOException;
  }

  /** One bad input: the case it spoils, how, and a fragment of the one-line reason expected. */
  record BadInput(String name, String caseId, Spoiler spoiler, String fragment) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<BadInput> badInputs() {
    String rnn = "rnntanh_l1_uni_sf_bias_h0"; // input [4, 3, 3] (seq_len 4, batch 3), h0 [1, 3, 5]
    String gru = "gru_l1_uni_sf_bias_h0"; // same shapes
    String gruLengths = "gru_len_l2_uni_sf_noh0"; // input [5, 4, 3], lengths [4]
    String lstm = "lstm_l1_uni_sf_bias_h0"; // input [4, 3, 3], h0 and c0 [1, 3, 5]
    return Stream.of(
        new BadInput(
            "missing weights file",
            rnn,
            f -> Files.delete(f.weights()),
            "--weights " + "WEIGHTS" + ": no such file or directory"),
        new BadInput(
            "missing input file",
            rnn,
            f -> Files.delete(f.input()),
            "--input " + "INPUT" + ": no such file or directory"),
        new BadInput(
            "missing config file",
            rnn,
            f -> Files.delete(f.config()),
            "--config " + "CONFIG" + ": no such file or directory"),
        new BadInput(
            "config with an unknown key",
            rnn,
            f ->
                Files.writeString(
                    f.config(),
                    "{\"mode\": \"RNN\", \"input_size\": 3, \"hidden_size\": 5, \"hiden_size\": 5}"),
            "model config has unknown key \"hiden_size\""),
        new BadInput(
            "config that is not JSON",
            rnn,
            f -> Files.writeString(f.config(), "{\"mode\": \"RNN\",\n"),
            "model config is not valid JSON"),
        new BadInput(
            "config that does not fit the weights",
            rnn,
            f -> Files.writeString(f.config(), ModelConfigJson.toJson(RnnConfig.rnn(3, 6).build())),
            "size mismatch for weight_ih_l0: copying a param with shape [5, 3] from checkpoint, the shape in "
                + "current model is [6, 3]."),
        new BadInput(
            "weights with a missing tensor",
            rnn,
            f -> editWeights(f, w -> w.remove("bias_hh_l0")),
            "Missing key(s) in state_dict: \"bias_hh_l0\"."),
        new BadInput(
            "weights with an extra tensor",
            rnn,
            f -> editWeights(f, w -> w.put("bias_hh_l1", Tensor.zeros(DType.FLOAT32, 5))),
            "Unexpected key(s) in state_dict: \"bias_hh_l1\"."),
        new BadInput(
            "weights with a wrong shape",
            rnn,
            f -> editWeights(f, w -> w.put("weight_ih_l0", Tensor.zeros(DType.FLOAT32, 5, 4))),
            "size mismatch for weight_ih_l0: copying a param with shape [5, 4] from checkpoint, the shape in "
                + "current model is [5, 3]."),
        new BadInput(
            "weights of two dtypes",
            rnn,
            f -> editWeights(f, w -> w.put("bias_hh_l0", w.get("bias_hh_l0").to(DType.FLOAT64))),
            "every tensor must have one dtype"),
        new BadInput(
            "weights file cut in its header",
            rnn,
            f -> truncate(f.weights(), 100),
            "WEIGHTS: header length"),
        new BadInput(
            "weights file missing its last bytes",
            rnn,
            f -> truncate(f.weights(), -4),
            "WEIGHTS: tensor \"bias_hh_l0\": data_offsets [180, 200] run past the end of the data section"),
        new BadInput(
            "h0 of the wrong shape",
            rnn,
            f ->
                editInput(
                    f,
                    (in, w) ->
                        w.put("input", in.tensor("input"))
                            .put("h0", Tensor.zeros(DType.FLOAT32, 1, 2, 5))),
            "Expected hidden size (1, 3, 5), got [1, 2, 5]"),
        new BadInput(
            "c0 given to a GRU",
            gru,
            f ->
                editInput(
                    f,
                    (in, w) ->
                        w.put("input", in.tensor("input"))
                            .put("h0", in.tensor("h0"))
                            .put("c0", in.tensor("h0"))),
            "GRU expects a hidden state h0 only, got h0 and c0"),
        new BadInput(
            "c0 without h0 given to a GRU",
            gruLengths,
            f ->
                editInput(
                    f,
                    (in, w) ->
                        w.put("input", in.tensor("input"))
                            .put("c0", Tensor.zeros(DType.FLOAT32, 2, 4, 5))),
            "GRU expects a hidden state h0 only, got c0 in "),
        new BadInput(
            "c0 without h0 given to an LSTM",
            lstm,
            f ->
                editInput(
                    f, (in, w) -> w.put("input", in.tensor("input")).put("c0", in.tensor("c0"))),
            "LSTM expects hx = (h0, c0), got c0 without h0"),
        new BadInput(
            "h0 without c0 given to an LSTM",
            lstm,
            f ->
                editInput(
                    f, (in, w) -> w.put("input", in.tensor("input")).put("h0", in.tensor("h0"))),
            "LSTM expects hx = (h0, c0), got h0 without c0"),
        new BadInput(
            "lengths of the wrong count",
            gruLengths,
            f -> setLengths(f, 5, 3, 2),
            "Expected `len(lengths)` to be equal to batch_size, but got 3 (batch_size=4)"),
        new BadInput(
            "a zero length",
            gruLengths,
            f -> setLengths(f, 5, 0, 2, 1),
            "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0"),
        new BadInput(
            "a length longer than the sequence",
            gruLengths,
            f -> setLengths(f, 5, 6, 2, 1),
            "Expected every length to be at most the sequence length 5, got lengths[1] = 6"),
        new BadInput(
            "a length beyond int",
            gruLengths,
            f -> setLengths(f, 5, 1L << 32 | 3, 2, 1),
            "lengths[1] = 4294967299 is out of range"),
        new BadInput(
            "lengths in 2-D",
            gruLengths,
            f ->
                editInput(
                    f,
                    (in, w) ->
                        w.put("input", in.tensor("input"))
                            .putInt64("lengths", new long[] {5, 4, 3, 2}, 2, 2)),
            "tensor \"lengths\" must be 1-D, one length per sequence, got shape [2, 2]"),
        new BadInput(
            "float lengths",
            gruLengths,
            f ->
                editInput(
                    f,
                    (in, w) ->
                        w.put("input", in.tensor("input"))
                            .put("lengths", Tensor.of(new float[] {5, 4, 3, 2}, 4))),
            "tensor \"lengths\" has dtype F32; lengths must be I64 or I32"),
        new BadInput(
            "an unexpected tensor name in the input file",
            rnn,
            f ->
                editInput(
                    f, (in, w) -> w.put("input", in.tensor("input")).put("hx", in.tensor("h0"))),
            "unexpected tensor(s) \"hx\"; an input file holds \"input\" and optionally \"h0\", \"c0\", "
                + "\"lengths\""),
        new BadInput(
            "no input tensor",
            rnn,
            f -> editInput(f, (in, w) -> w.put("h0", in.tensor("h0"))),
            "no tensor named \"input\""),
        new BadInput(
            "input of another dtype than the weights",
            rnn,
            f -> editInput(f, (in, w) -> w.put("input", in.tensor("input").to(DType.FLOAT64))),
            "tensor \"input\" has dtype F64, but the weights are F32"),
        new BadInput(
            "input of the wrong width",
            rnn,
            f -> editInput(f, (in, w) -> w.put("input", Tensor.zeros(DType.FLOAT32, 4, 3, 2))),
            "input.size(-1) must be equal to input_size. Expected 3, got 2"),
        new BadInput(
            "an output folder that does not exist",
            rnn,
            f -> Files.delete(f.output().getParent()),
            "--output " + "OUTPUT" + ": no such directory: "));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badInputs")
  void badInputFailsWithOneLineAndWritesNothing(BadInput bad) throws IOException {
    CaseFiles f = CaseFiles.copy(Fixtures.forwardCase(bad.caseId()), tmp);
    bad.spoiler().spoil(f);

    CliRun run = f.run("--device", "cpu");
    String fragment =
        bad.fragment()
            .replace("CONFIG", f.config().toString())
            .replace("WEIGHTS", f.weights().toString())
            .replace("INPUT", f.input().toString())
            .replace("OUTPUT", f.output().toString());
    assertEquals(1, run.exitCode(), run.describe());
    assertEquals(1, run.errLines().size(), run.describe());
    assertTrue(run.err().startsWith("rnn4j forward: "), run.describe());
    assertTrue(run.err().contains(fragment), "expected \"" + fragment + "\" in " + run.describe());
    assertEquals("", run.out(), run.describe());
    assertFalse(Files.exists(f.output()), "wrote " + f.output());
    if (Files.exists(f.output().getParent())) {
      try (Stream<Path> files = Files.list(f.output().getParent())) {
        assertEquals(List.of(), files.toList(), "left files behind");
      }
    }
  }

  @Test
  void aFailedRunLeavesAnExistingOutputAsItWas() throws IOException {
    CaseFiles f = CaseFiles.copy(Fixtures.forwardCase("rnntanh_l1_uni_sf_bias_h0"), tmp);
    Files.writeString(f.output(), "the previous result");
    setLengths(f, 1, 2);
    CliRun run = f.run("--device", "cpu");
    assertNotEquals(0, run.exitCode(), run.describe());
    assertEquals("the previous result", Files.readString(f.output(), StandardCharsets.UTF_8));
  }

  @Test
  void cudaFailsWithOneLineAndWritesNothing() throws IOException {
    CaseFiles f = CaseFiles.copy(Fixtures.forwardCase("seed_vanilla"), tmp);
    CliRun run = f.run("--device", "cuda:1");
    assertEquals(1, run.exitCode(), run.describe());
    // Without a driver the reason is the driver; on a machine with one, device 1 may still be
    // missing.
    assertEquals(1, run.errLines().size(), run.describe());
    assertTrue(
        run.errLines()
            .get(0)
            .startsWith("rnn4j forward: device 'cuda:1' was requested, but it is unavailable: "),
        run.describe());
    assertFalse(Files.exists(f.output()));
  }

  @Test
  void helpDescribesTheFiles() {
    CliRun run = CliRun.of("forward", "--help");
    assertEquals(0, run.exitCode(), run.describe());
    for (String option :
        List.of(
            "--config=C.json",
            "--weights=W.safetensors",
            "--input=IN.safetensors",
            "--output=OUT.safetensors",
            "--device=DEVICE")) {
      assertTrue(run.out().contains(option), option + " in " + run.describe());
    }
  }

  // ---- Spoilers ----

  private static void editWeights(CaseFiles f, Consumer<Map<String, Tensor>> edit)
      throws IOException {
    Map<String, Tensor> weights = new LinkedHashMap<>(StateDictFiles.read(f.weights()).asMap());
    edit.accept(weights);
    StateDictFiles.write(f.weights(), StateDict.of(weights), Map.of());
  }

  /** Rewrites the input file with what {@code edit} puts, given the original file. */
  private static void editInput(CaseFiles f, InputEdit edit) throws IOException {
    SafetensorsFile original = Safetensors.read(f.input());
    SafetensorsWriter writer = Safetensors.writer();
    edit.edit(original, writer);
    writer.write(f.input());
  }

  @FunctionalInterface
  interface InputEdit {
    void edit(SafetensorsFile original, SafetensorsWriter writer);
  }

  /** Keeps {@code input} and sets {@code lengths}. */
  private static void setLengths(CaseFiles f, long... lengths) throws IOException {
    editInput(
        f,
        (in, w) -> w.put("input", in.tensor("input")).putInt64("lengths", lengths, lengths.length));
  }

  /** Keeps the first {@code length} bytes, or all but the last {@code -length}. */
  private static void truncate(Path file, int length) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, length >= 0 ? length : bytes.length + length));
  }
}
