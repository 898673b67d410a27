package dev.rnn4j.cli;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.nn.Rnn;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.RnnOutput;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rnn4j demo}: the article "PyTorch Basics: How to train your Neural Net — Intro to RNN" in
 * Java. The numbers 1..20 viewed as a batch of 4 sequences of 5 steps of 1 feature go through a
 * vanilla, a stacked, a bidirectional and a stacked bidirectional {@code RNN(1, 2,
 * batch_first=True)}; each prints what the article prints, and the article's observations about
 * {@code out} and {@code h_n} are checked exactly.
 *
 * <p>The weights are {@link Rnn#create}'s, not PyTorch's, so the numbers differ from the article's;
 * the shapes and the observations are the same.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    header = "Runs the PyTorch basics article's four RNNs on 1..20 and checks its observations.",
    description = {
      "A vanilla, a stacked (3 layers), a bidirectional and a stacked bidirectional RNN with hidden size 2 "
          + "and batch_first=True read the numbers 1..20 viewed as [4, 5, 1] (batch, seq_len, input_size). "
          + "Each prints input, out and h_n as PyTorch prints them; the bidirectional ones are also split "
          + "into their directions.",
      "The article's observations are then checked exactly: out at the last step is the last layer's "
          + "h_n, going forward; out at the first step is the last layer's h_n, going backward. Exit code 1 "
          + "if one fails, or if the device is unavailable."
    })
final class DemoCommand implements Callable<Integer> {
  private static final int BATCH = 4;
  private static final int STEPS = 5;
  private static final int HIDDEN = 2;

  /** One of the article's four networks. */
  private record Section(String title, int numLayers, boolean bidirectional) {
    RnnConfig config() {
      return RnnConfig.rnn(1, HIDDEN)
          .numLayers(numLayers)
          .bidirectional(bidirectional)
          .batchFirst(true)
          .build();
    }
  }

  private static final List<Section> SECTIONS =
      List.of(
          new Section("Vanilla RNN", 1, false),
          new Section("Stacked RNN", 3, false),
          new Section("Bidirectional RNN", 1, true),
          new Section("Stacked bidirectional RNN", 3, true));

  /** A statement of the article about one section's results, and whether it holds. */
  private record Observation(String section, String statement, boolean holds) {}

  @Spec private CommandSpec spec;

  @Mixin private DeviceOption device;

  @Option(
      names = "--seed",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "Seeds the weights of the four networks (default: ${DEFAULT-VALUE}); the same seed "
              + "prints the same text.")
  private long seed;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Backend backend = device.select();
    printHeader(out, backend);
    // One generator for all four, so that each network has its own weights and a seed names all of
    // them.
    SplittableRandom seeds = new SplittableRandom(seed);
    List<Observation> observations = new ArrayList<>();
    for (int i = 0; i < SECTIONS.size(); i++) {
      observations.addAll(runSection(out, i + 1, SECTIONS.get(i), seeds.nextLong(), backend));
    }
    boolean allHold = printObservations(out, observations);
    out.flush();
    return allHold ? 0 : 1;
  }

  private void printHeader(PrintWriter out, Backend backend) {
    out.println("rnn4j demo: vanilla, stacked, bidirectional and stacked bidirectional RNNs");
    out.println(
        "data: 1..20 (float32) viewed as ["
            + BATCH
            + ", "
            + STEPS
            + ", 1] (batch, seq_len, "
            + "input_size), batch_first=True, hidden_size "
            + HIDDEN);
    out.println("device: " + backend.description());
    out.println("seed: " + seed);
  }

  /**
   * The numbers 1..20 as a batch of 4 sequences of 5 one-feature steps: {@code data.view(4, 5, 1)}.
   */
  private static Tensor input() {
    float[] data = new float[BATCH * STEPS];
    for (int i = 0; i < data.length; i++) {
      data[i] = i + 1;
    }
    return Tensor.wrap(data, BATCH, STEPS, 1);
  }

  private static List<Observation> runSection(
      PrintWriter out, int number, Section section, long weightSeed, Backend backend) {
    RnnConfig config = section.config();
    try (Rnn rnn = Rnn.create(config, weightSeed)) {
      rnn.eval().to(backend);
      out.println();
      out.println("== " + number + ". " + section.title() + ": " + rnn + " ==");
      out.println("weights: Rnn.create(config, " + weightSeed + ")");
      Tensor input = input();
      RnnOutput result = rnn.forward(input);
      printTensor(out, "input", input);
      printTensor(out, "out", result.output());
      printTensor(out, "h_n", result.hN());
      if (section.bidirectional()) {
        printDirections(out, config, result);
      }
      return observations(section, result);
    }
  }

  /** The article's split of a bidirectional result into its forward and backward parts. */
  private static void printDirections(PrintWriter out, RnnConfig config, RnnOutput result) {
    int[] outShape = {BATCH, STEPS, 2, HIDDEN};
    int[] hiddenShape = {config.numLayers(), 2, BATCH, HIDDEN};
    out.println();
    out.println(
        "out with directions separated, out.view(batch, seq_len, num_directions, hidden_size): "
            + Shape.list(result.output().view(outShape).shape()));
    printTensor(out, "out forward, out.view(...)[:, :, 0]", result.outputDirection(0));
    printTensor(out, "out backward, out.view(...)[:, :, 1]", result.outputDirection(1));
    out.println();
    out.println(
        "h_n with directions separated, h_n.view(num_layers, num_directions, batch, hidden_size): "
            + Shape.list(result.hN().view(hiddenShape).shape()));
    printTensor(out, "h_n forward, h_n.view(...)[:, 0]", result.hiddenDirection(0));
    printTensor(out, "h_n backward, h_n.view(...)[:, 1]", result.hiddenDirection(1));
  }

  private static void printTensor(PrintWriter out, String label, Tensor t) {
    out.println();
    out.println(label + ": " + Shape.list(t.shape()));
    out.println(t);
  }

  /**
   * The article's observations, compared bit for bit since both sides are copies of the same
   * numbers: the last layer's final state is its output at the step where its direction ends, the
   * last step going forward and the first step going backward.
   */
  private static List<Observation> observations(Section section, RnnOutput result) {
    String title = section.title();
    if (!section.bidirectional()) {
      return List.of(
          new Observation(
              title,
              "the last time step of out equals the last layer's h_n, out[:, -1] == h_n[-1]",
              result.output().select(1, -1).equals(result.hN().select(0, -1))));
    }
    return List.of(
        new Observation(
            title,
            "the forward half of out at the last step equals the last layer's forward h_n, "
                + "out_forward[:, -1] == h_n_forward[-1]",
            result
                .outputDirection(0)
                .select(1, -1)
                .equals(result.hiddenDirection(0).select(0, -1))),
        new Observation(
            title,
            "the backward half of out at the first step equals the last layer's backward h_n, "
                + "out_backward[:, 0] == h_n_backward[-1]",
            result
                .outputDirection(1)
                .select(1, 0)
                .equals(result.hiddenDirection(1).select(0, -1))));
  }

  /** Prints each observation with its verdict; whether all hold. */
  private static boolean printObservations(PrintWriter out, List<Observation> observations) {
    out.println();
    out.println("== Observations ==");
    boolean allHold = true;
    for (Observation o : observations) {
      out.println(o.section() + ": " + o.statement() + ": " + (o.holds() ? "holds" : "FAILS"));
      allHold &= o.holds();
    }
    return allHold;
  }
}
