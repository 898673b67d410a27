package dev.rnn4j.docs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rnn4j.backend.BackendProvider;
import dev.rnn4j.backend.BackendUnavailableException;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.Device;
import dev.rnn4j.backend.cpu.CpuBackend;
import dev.rnn4j.io.ModelConfigJson;
import dev.rnn4j.io.ModelFiles;
import dev.rnn4j.io.Safetensors;
import dev.rnn4j.io.StateDictFiles;
import dev.rnn4j.nn.Rnn;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.RnnOutput;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.nn.SequenceModelConfig;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.TensorScope;
import dev.rnn4j.testing.Fixtures;
import dev.rnn4j.testing.TensorAssert;
import dev.rnn4j.train.EarlyStopping;
import dev.rnn4j.train.SequenceClassifier;
import dev.rnn4j.train.SequenceDataset;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * {@code docs/library.md} is compiled and run code: each of its Java blocks is a region of {@link
 * LibraryGuideExamples} (and every region is in the guide), each region runs here on the CPU and
 * computes what the guide says, and the coordinates and module names it quotes are the build's.
 */
@Tag("integration")
@Tag("docs")
class LibraryGuideTest {
  private static final Path GUIDE = Path.of("docs/library.md");
  private static final Path EXAMPLES =
      Path.of("src/test/java/dev/rnn4j/docs/LibraryGuideExamples.java");
  private static final Path CONSUMER_MODULE =
      Path.of("src/it/consumer/src/main/java/module-info.java");
  private static final Pattern REGION = Pattern.compile("^\\s*// \\[(start|end) ([a-z-]+)]\\s*$");
  private static final Pattern EPOCH = Pattern.compile("epoch (\\d+) loss (\\d+\\.\\d{4})");

  @TempDir Path dir;

  @Test
  void everyJavaBlockOfTheGuideIsARegionAndEveryRegionIsInTheGuide() throws IOException {
    Map<String, String> regions = regions(Files.readAllLines(EXAMPLES));
    String module = moduleDeclaration();
    List<String> shown = new ArrayList<>();

    for (String block : fencedBlocks("java")) {
      if (block.equals(module)) {
        continue;
      }
      String name =
          regions.entrySet().stream()
              .filter(r -> r.getValue().equals(block))
              .map(Map.Entry::getKey)
              .findFirst()
              .orElse(null);
      assertTrue(
          name != null,
          "docs/library.md has a Java block that is no region of LibraryGuideExamples:\n" + block);
      shown.add(name);
    }

    List<String> missing = new ArrayList<>(regions.keySet());
    missing.removeAll(shown);
    assertEquals(List.of(), missing, "regions of LibraryGuideExamples not shown in the guide");
    assertTrue(fencedBlocks("java").contains(module), "the guide shows the consumer's module");
  }

  @Test
  void mavenAndGradleCoordinatesAreThePoms() throws Exception {
    Element project = pom().getDocumentElement();
    String groupId = child(project, "groupId");
    String artifactId = child(project, "artifactId");
    String version = child(project, "version");

    List<String> dependencies =
        fencedBlocks("xml").stream()
            .filter(b -> b.startsWith("<dependency>") && b.contains("<groupId>dev.rnn4j"))
            .collect(Collectors.toList());
    assertEquals(2, dependencies.size(), "the plain dependency and the CPU-only one");
    for (String xml : dependencies) {
      Element dependency = parse(xml).getDocumentElement();
      assertEquals(groupId, child(dependency, "groupId"));
      assertEquals(artifactId, child(dependency, "artifactId"));
      assertEquals(version, child(dependency, "version"));
    }
    String gradle = String.join("\n", fencedBlocks("kotlin"));
    assertTrue(
        gradle.contains("\"" + groupId + ":" + artifactId + ":" + version + "\""),
        "Gradle's coordinates: " + gradle);
  }

  @Test
  void theCpuOnlyExclusionCoversEveryJcudaArtifactOfThePom() throws Exception {
    Document pom = pom();
    List<String> jcuda = new ArrayList<>();
    Element dependencies = (Element) pom.getElementsByTagName("dependencies").item(0);
    for (Node n = dependencies.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element d && child(d, "groupId").equals("org.jcuda")) {
        jcuda.add(child(d, "artifactId"));
      }
    }
    assertEquals(
        List.of("jcuda", "jcuda-natives", "jcublas", "jcublas-natives", "jcudnn", "jcudnn-natives"),
        jcuda);
    String exclusion =
        fencedBlocks("xml").stream().filter(b -> b.contains("<exclusions>")).findFirst().get();
    assertTrue(
        exclusion.contains(
            "<exclusion>\n      <groupId>org.jcuda</groupId>\n      <artifactId>*</artifactId>"),
        exclusion);
  }

  @Test
  void loadsAnRnn4jModelFolderAndPredictsAsPyTorch() throws IOException {
    Path model = modelFixture();
    StateDict expected = StateDictFiles.read(model.resolve("expected.safetensors"));

    float[] logits = LibraryGuideExamples.loadModelFolder(model, modelInput());

    TensorAssert.assertClose(
        expected.get("prediction"),
        Tensor.of(logits, 5, 3),
        modelCase().get("atol").asDouble(),
        modelCase().get("rtol").asDouble(),
        "logits");
  }

  @Test
  void loadsAnRnnFromItsConfigJsonAndWeights() throws IOException {
    Fixtures.FixtureCase c = Fixtures.forwardCase("lstm_l3_bi_bf_bias_noh0");
    StateDict expected = StateDictFiles.read(c.dir().resolve("expected.safetensors"));
    Tensor input = StateDictFiles.read(c.dir().resolve("input.safetensors")).get("input");

    RnnOutput out = LibraryGuideExamples.loadRnn(c.dir(), input);

    TensorAssert.assertClose(expected.get("output"), out.output(), c.atol(), c.rtol(), "output");
    TensorAssert.assertClose(expected.get("h_n"), out.hN(), c.atol(), c.rtol(), "h_n");
    TensorAssert.assertClose(expected.get("c_n"), out.cN(), c.atol(), c.rtol(), "c_n");
  }

  @Test
  void loadsAPyTorchNetWhoseSubmodulesHaveOtherNames() throws IOException {
    Path io = Fixtures.root("io");
    JsonNode net = new ObjectMapper().readTree(io.resolve("manifest.json").toFile()).get("net");
    StateDict data = StateDictFiles.read(io.resolve("net_lstm_fc_io.safetensors"));

    float[] prediction =
        LibraryGuideExamples.loadNet(io.resolve("net_lstm_fc.safetensors"), data.get("input"));

    TensorAssert.assertClose(
        data.get("prediction"),
        Tensor.of(prediction, 4, 2),
        net.get("atol").asDouble(),
        net.get("rtol").asDouble(),
        "Net(input)");
  }

  @Test
  void keyHelpersNameTheTensorsAsTheGuideSays() throws IOException {
    StateDict net = StateDictFiles.read(Fixtures.root("io").resolve("net_lstm_fc.safetensors"));
    List<String> lstm = List.of("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0");

    List<StateDict> out = LibraryGuideExamples.keyHelpers(net);

    assertEquals(lstm, out.get(0).names());
    assertEquals(
        net.names().stream().map(n -> "module." + n).collect(Collectors.toList()),
        out.get(1).names());
    assertEquals(net, out.get(2));
    List<String> renamed = new ArrayList<>(prefixed("lstm.", lstm));
    renamed.addAll(List.of("head.weight", "head.bias"));
    assertEquals(renamed, out.get(3).names());
    assertEquals(net.get("fc.weight"), out.get(3).get("head.weight"));
    try (Rnn encoder =
        Rnn.fromStateDict(RnnConfig.lstm(3, 5).batchFirst(true).build(), out.get(0))) {
      assertEquals(4 * 5 * (3 + 5 + 2), encoder.parameterCount());
    }
  }

  @Test
  void torchSaveCheckpointsAreRefusedWithTheLineTheGuideQuotes() throws IOException {
    Path pt = dir.resolve("net.pt");
    Files.copy(Fixtures.root("io").resolve("net_lstm_fc.pt"), pt);

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> StateDictFiles.read(pt));

    String line = e.getMessage().replace(dir + "/", "");
    assertTrue(line.startsWith("net.pt: a PyTorch zip checkpoint"), line);
    assertTrue(String.join("\n", fencedBlocks("text")).contains(line), "the guide quotes " + line);
  }

  @Test
  void inferenceOnTheGivenDeviceMatchesTheLoadedModel() throws IOException {
    Path model = modelFixture();
    Tensor input = modelInput();

    float[] whole =
        LibraryGuideExamples.predict(
            model, Device.parse("cpu"), input.toFloatArray(), new int[] {4, 4, 4, 4, 4});
    float[] shorter =
        LibraryGuideExamples.predict(
            model, Device.parse("cpu"), input.toFloatArray(), new int[] {4, 2, 4, 1, 4});

    assertArrayEquals(LibraryGuideExamples.loadModelFolder(model, input), whole);
    // Sequences 1 and 3 end earlier, so only their logits change.
    for (int n = 0; n < 5; n++) {
      float[] a = Arrays.copyOfRange(whole, 3 * n, 3 * n + 3);
      float[] b = Arrays.copyOfRange(shorter, 3 * n, 3 * n + 3);
      if (n == 1 || n == 3) {
        assertFalse(Arrays.equals(a, b), "sequence " + n);
      } else {
        assertArrayEquals(a, b, "sequence " + n);
      }
    }
  }

  @Test
  void rnnForwardWithStateAndLengthsStopsEachSequenceAtItsLength() {
    float[] values = gaussian(4 * 6 * 3, 3);
    int[] lengths = {6, 3, 5, 1};

    LibraryGuideExamples.RnnResults r =
        LibraryGuideExamples.rnnForward(Device.parse("cpu"), values);

    assertEquals(4 * 6 * 8, r.output().length);
    assertEquals(2 * 4 * 8, r.hN().length);
    for (int n = 0; n < 4; n++) {
      for (int t = 0; t < 6; t++) {
        float[] step = Arrays.copyOfRange(r.output(), (n * 6 + t) * 8, (n * 6 + t + 1) * 8);
        if (t >= lengths[n]) {
          assertArrayEquals(new float[8], step, "padded step " + t + " of sequence " + n);
        } else {
          assertNotEquals(0f, step[0], "step " + t + " of sequence " + n);
        }
      }
      // h_n of the last layer (index 1) is the output at the sequence's own last step.
      assertArrayEquals(
          Arrays.copyOfRange(r.output(), (n * 6 + lengths[n] - 1) * 8, (n * 6 + lengths[n]) * 8),
          Arrays.copyOfRange(r.hN(), (4 + n) * 8, (5 + n) * 8),
          "h_n of sequence " + n);
    }
  }

  @Test
  void selectBackendMovesTheModel() {
    SequenceModelConfig config =
        SequenceModelConfig.manyToOne(RnnConfig.gru(2, 4).batchFirst(true).build(), 3);
    try (SequenceModel model = SequenceModel.create(config, 1)) {
      LibraryGuideExamples.selectBackend(model, "cpu");

      assertEquals(Device.CPU, model.device());
    }
  }

  @Test
  void cudaWhereItIsUnavailableFailsWithTheReasonAndNeverFallsBack() {
    BackendProvider cuda = Backends.providerFor(Device.Type.CUDA).orElseThrow();
    assumeFalse(cuda.probe().available(), "this machine has CUDA");
    SequenceModelConfig config =
        SequenceModelConfig.manyToOne(RnnConfig.gru(2, 4).batchFirst(true).build(), 3);
    try (SequenceModel model = SequenceModel.create(config, 1)) {
      BackendUnavailableException e =
          assertThrows(
              BackendUnavailableException.class,
              () -> LibraryGuideExamples.selectBackend(model, "cuda"));
      assertTrue(
          e.getMessage().startsWith("device 'cuda' was requested, but it is unavailable: "),
          e.getMessage());
      assertThrows(BackendUnavailableException.class, () -> model.to(Device.parse("cuda")));
      assertEquals(Device.CPU, model.device());
    }
  }

  @Test
  void theScheduleIsCosineAnnealingAndEarlyStoppingKeepsItsPatience() {
    SequenceDataset.Split split =
        LibraryGuideExamples.split(LibraryGuideExamples.syntheticDataset());
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    EarlyStopping.State state;
    List<Double> lrs = new ArrayList<>();
    List<Double> losses = new ArrayList<>();
    RnnConfig gru = RnnConfig.gru(split.train().inputSize(), 16).batchFirst(true).build();
    try (SequenceModel model = SequenceModel.create(SequenceModelConfig.manyToOne(gru, 3), 7)) {
      state =
          LibraryGuideExamples.scheduleAndStop(
              model, split, new PrintStream(printed, true, StandardCharsets.UTF_8));
    }
    Matcher m =
        Pattern.compile("epoch (\\d+) lr (\\S+) val loss (\\S+)")
            .matcher(printed.toString(StandardCharsets.UTF_8));
    while (m.find()) {
      assertEquals(lrs.size() + 1, Integer.parseInt(m.group(1)));
      lrs.add(Double.parseDouble(m.group(2)));
      losses.add(Double.parseDouble(m.group(3)));
    }
    assertFalse(lrs.isEmpty(), printed::toString);
    for (int e = 0; e < lrs.size(); e++) {
      // CosineAnnealingLR's closed form, eta_min 0 and T_max 20; 5e-9 is the printed rounding.
      assertEquals(
          1e-2 * (1 + Math.cos(Math.PI * e / 20)) / 2, lrs.get(e), 5e-9, "epoch " + (e + 1));
    }
    int best = 0;
    for (int e = 1; e < losses.size(); e++) {
      best = losses.get(e) < losses.get(best) ? e : best;
    }
    // Printed to 4 decimals, so the best epoch is checked where the printed losses tell it apart.
    assertTrue(losses.get(state.bestEpoch() - 1) <= losses.get(best), losses::toString);
    if (state.stoppedEpoch() > 0) {
      assertEquals(lrs.size(), state.stoppedEpoch());
      assertEquals(3, state.waitCount());
    } else {
      assertEquals(20, lrs.size());
    }
  }

  @Test
  void trainsAClassifierThatBeatsTheMajorityClass() throws IOException {
    SequenceDataset data = LibraryGuideExamples.syntheticDataset();
    SequenceDataset.Split split = LibraryGuideExamples.split(data);
    assertEquals(450, split.train().size());
    assertEquals(150, split.validation().size());
    ByteArrayOutputStream printed = new ByteArrayOutputStream();

    try (SequenceModel model =
        LibraryGuideExamples.trainClassifier(
            split, Device.parse("cpu"), new PrintStream(printed, true, StandardCharsets.UTF_8))) {
      LibraryGuideExamples.Scores scores = LibraryGuideExamples.evaluate(model, split.validation());

      String text = printed.toString(StandardCharsets.UTF_8);
      // GRU(2, 16): 3 * 16 * (2 + 16 + 2) weights and biases; the head 3 * (16 + 1).
      assertEquals(3 * 16 * 20 + 3 * 17, model.parameterCount());
      assertTrue(text.startsWith(model.summary() + "\n"), text);
      assertTrue(
          fencedBlocks("text").contains(model.summary()), "the guide shows\n" + model.summary());
      assertTrue(model.summary().contains("\nTotal params: 1,011\n"), model.summary());
      List<Double> losses = new ArrayList<>();
      Matcher m = EPOCH.matcher(text);
      while (m.find()) {
        assertEquals(losses.size() + 1, Integer.parseInt(m.group(1)));
        losses.add(Double.parseDouble(m.group(2)));
      }
      assertEquals(12, losses.size(), text);
      // ln 3 = 1.10 is chance; the classes differ by their trend, which a GRU finds quickly.
      assertTrue(losses.get(11) < 0.5 * losses.get(0), "the loss falls: " + losses);

      long[] truth = split.validation().labels();
      long majority = Arrays.stream(truth).filter(y -> y == 0).count();
      double baseline = (double) majority / truth.length;
      assertTrue(
          scores.accuracy() > baseline + 0.25,
          "accuracy " + scores.accuracy() + " vs the majority class's " + baseline);
      assertTrue(scores.macroF1() > 0.7, "macro-F1 " + scores.macroF1());
      SequenceClassifier.Evaluation library =
          SequenceClassifier.evaluate(model, split.validation(), 64);
      assertArrayEquals(library.predictions(), scores.predicted());
      assertEquals(library.accuracy(), scores.accuracy());
      assertEquals(library.macroF1(), scores.macroF1());
    }
  }

  @Test
  void savedFilesReadBackAsTheyWereWritten() throws IOException {
    SequenceModelConfig config =
        SequenceModelConfig.manyToOne(RnnConfig.lstm(3, 5).batchFirst(true).build(), 2);
    try (SequenceModel model = SequenceModel.create(config, 11);
        Rnn lstm = Rnn.create(RnnConfig.lstm(3, 5).numLayers(2).build(), 12)) {
      LibraryGuideExamples.save(model, dir);
      LibraryGuideExamples.exportNet(model, dir.resolve("net.safetensors"));
      LibraryGuideExamples.exportRnn(lstm, dir);

      assertEquals(model.stateDict(), StateDictFiles.read(dir.resolve("weights.safetensors")));
      try (SequenceModel back = ModelFiles.read(dir.resolve("classifier"))) {
        assertEquals(model.config(), back.config());
        assertEquals(model.stateDict(), back.stateDict());
      }
      StateDict net = StateDictFiles.read(dir.resolve("net.safetensors"));
      assertEquals(
          List.of(
              "lstm.weight_ih_l0",
              "lstm.weight_hh_l0",
              "lstm.bias_ih_l0",
              "lstm.bias_hh_l0",
              "fc.weight",
              "fc.bias"),
          net.names());
      assertEquals(model.stateDict().get("head.weight"), net.get("fc.weight"));
      assertEquals(lstm.config(), ModelConfigJson.read(dir.resolve("lstm.json")));
      assertEquals(lstm.stateDict(), StateDictFiles.read(dir.resolve("lstm.safetensors")));
    }
  }

  @Test
  void theThreadCountChangesNoBitOfTheForwardPass() {
    // Enough work per call (L * N * 4H * (H_in + H) multiply-adds) for several threads to share it.
    SequenceModelConfig config =
        SequenceModelConfig.manyToOne(RnnConfig.lstm(8, 64).batchFirst(true).build(), 3);
    Tensor x = Tensor.of(gaussian(32 * 50 * 8, 5), 32, 50, 8);
    try (SequenceModel model = SequenceModel.create(config, 3).to(CpuBackend.withThreads(1))) {
      float[] one = model.forward(x, null).toFloatArray();

      LibraryGuideExamples.useThreads(model);

      assertEquals(2, ((CpuBackend) model.backend()).threads());
      assertArrayEquals(one, model.forward(x, null).toFloatArray());
      model.to(CpuBackend.withThreads(3));
      assertArrayEquals(one, model.forward(x, null).toFloatArray());
    }
  }

  @Test
  @SuppressWarnings("try") // the scope closes what the block makes; the block never names it
  void aScopeClosesWhatItMadeButTheDetachedTensor() {
    SequenceModelConfig config =
        SequenceModelConfig.manyToOne(RnnConfig.gru(2, 4).batchFirst(true).build(), 3);
    Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 3, 2);
    try (SequenceModel model = SequenceModel.create(config, 1).eval()) {
      float[] logits = model.forward(x, null).toFloatArray();
      Tensor made;
      try (TensorScope scope = TensorScope.open()) {
        made = model.forward(x, null);
      }
      assertTrue(made.isClosed(), "a scope closes what was made inside it");

      Tensor kept = LibraryGuideExamples.scoped(model, x);

      assertFalse(kept.isClosed());
      float[] doubled = kept.toFloatArray();
      for (int i = 0; i < 3; i++) {
        assertEquals(2 * logits[i], doubled[i]);
      }
      kept.close();
    }
  }

  /** Region name to its lines, the common indentation removed; fails on unbalanced markers. */
  private static Map<String, String> regions(List<String> lines) {
    Map<String, String> regions = new LinkedHashMap<>();
    String open = null;
    List<String> body = new ArrayList<>();
    for (String line : lines) {
      Matcher m = REGION.matcher(line);
      if (!m.matches()) {
        if (open != null) {
          body.add(line);
        }
        continue;
      }
      if (m.group(1).equals("start")) {
        assertEquals(null, open, "region " + m.group(2) + " starts inside " + open);
        open = m.group(2);
        body.clear();
      } else {
        assertEquals(open, m.group(2), "[end " + m.group(2) + "] closes " + open);
        assertEquals(null, regions.put(open, dedent(body)), "two regions named " + open);
        open = null;
      }
    }
    assertEquals(null, open, "region " + open + " never ends");
    return regions;
  }

  /** The fenced blocks of the guide in {@code language}, the common indentation removed. */
  private static List<String> fencedBlocks(String language) throws IOException {
    List<String> blocks = new ArrayList<>();
    List<String> body = null;
    for (String line : Files.readAllLines(GUIDE)) {
      if (body == null && line.equals("```" + language)) {
        body = new ArrayList<>();
      } else if (body != null && line.equals("```")) {
        blocks.add(dedent(body));
        body = null;
      } else if (body != null) {
        body.add(line);
      }
    }
    assertEquals(null, body, "a ```" + language + " block of the guide never ends");
    return blocks;
  }

  private static String dedent(List<String> lines) {
    int indent =
        lines.stream()
            .filter(l -> !l.isBlank())
            .mapToInt(l -> l.length() - l.stripLeading().length())
            .min()
            .orElse(0);
    return lines.stream()
        .map(l -> l.isBlank() ? "" : l.substring(indent))
        .collect(Collectors.joining("\n"));
  }

  /** The consumer's module declaration without its comment: what the guide shows. */
  private static String moduleDeclaration() throws IOException {
    String source = Files.readString(CONSUMER_MODULE);
    return source.substring(source.indexOf("\nmodule ") + 1).strip();
  }

  private static float[] gaussian(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) random.nextGaussian();
    }
    return values;
  }

  private static Path modelFixture() {
    return Fixtures.root("model").resolve("gru_m2o_cls3_bf");
  }

  /** The model fixture's input; its file also holds int64 targets, which a state dict refuses. */
  private static Tensor modelInput() throws IOException {
    return Safetensors.read(modelFixture().resolve("input.safetensors")).tensor("input");
  }

  private static JsonNode modelCase() throws IOException {
    JsonNode manifest =
        new ObjectMapper().readTree(Fixtures.root("model").resolve("manifest.json").toFile());
    for (JsonNode c : manifest.get("cases")) {
      if (c.get("id").asText().equals("gru_m2o_cls3_bf")) {
        return c;
      }
    }
    throw new IllegalStateException("no gru_m2o_cls3_bf in the model fixtures' manifest");
  }

  private static List<String> prefixed(String prefix, List<String> names) {
    return names.stream().map(n -> prefix + n).collect(Collectors.toList());
  }

  private static Document pom() throws Exception {
    return DocumentBuilderFactory.newInstance()
        .newDocumentBuilder()
        .parse(Path.of("pom.xml").toFile());
  }

  private static Document parse(String xml) throws Exception {
    return DocumentBuilderFactory.newInstance()
        .newDocumentBuilder()
        .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
  }

  /** The text of {@code parent}'s direct child element {@code name}. */
  private static String child(Element parent, String name) {
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(name)) {
        return e.getTextContent().strip();
      }
    }
    throw new AssertionError(parent.getTagName() + " has no <" + name + ">");
  }
}
