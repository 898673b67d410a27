package dev.rnn4j.docs;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.Device;
import dev.rnn4j.backend.cpu.CpuBackend;
import dev.rnn4j.io.ModelConfigJson;
import dev.rnn4j.io.ModelFiles;
import dev.rnn4j.io.StateDictFiles;
import dev.rnn4j.nn.Rnn;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.RnnOutput;
import dev.rnn4j.nn.RnnState;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.nn.SequenceModelConfig;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.TensorScope;
import dev.rnn4j.train.EarlyStopping;
import dev.rnn4j.train.EarlyStoppingConfig;
import dev.rnn4j.train.LrScheduler;
import dev.rnn4j.train.Metrics;
import dev.rnn4j.train.Optimizer;
import dev.rnn4j.train.OptimizerConfig;
import dev.rnn4j.train.SchedulerConfig;
import dev.rnn4j.train.SequenceBatch;
import dev.rnn4j.train.SequenceClassifier;
import dev.rnn4j.train.SequenceDataset;
import dev.rnn4j.train.SequenceLoader;
import dev.rnn4j.train.Trainer;
import dev.rnn4j.train.TrainingSet;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The code of {@code docs/library.md}: every fenced Java block of the guide is one region of this
 * file, between {@code // [start NAME]} and {@code // [end NAME]}, and {@link LibraryGuideTest}
 * runs each one and checks what it computes. A region reads the method's parameters as the guide's
 * prose names them ({@code dir}, {@code input}, {@code device}, {@code out}, ...), and declares the
 * results that the method returns after it, so that the test can see them.
 */
final class LibraryGuideExamples {
  private LibraryGuideExamples() {}

  /** What {@link #rnnForward} leaves on the host. */
  record RnnResults(float[] output, float[] hN) {}

  /** The validation scores of {@link #evaluate}. */
  record Scores(long[] predicted, double accuracy, double macroF1) {}

  static float[] loadModelFolder(Path dir, Tensor input) throws IOException {
    // [start load-model-folder]
    float[] logits;
    try (SequenceModel model = ModelFiles.read(dir).eval()) { // model.json, weights.safetensors
      logits = model.forward(input, null).toFloatArray(); // input (N, L, H_in), logits (N, 3)
    }
    // [end load-model-folder]
    return logits;
  }

  static RnnOutput loadRnn(Path dir, Tensor input) throws IOException {
    // [start load-rnn]
    RnnConfig config = ModelConfigJson.read(dir.resolve("config.json")); // {"mode": "LSTM", ...}
    StateDict weights = StateDictFiles.read(dir.resolve("weights.safetensors")); // weight_ih_l0...
    RnnOutput out;
    try (Rnn lstm = Rnn.fromStateDict(config, weights).eval()) {
      out = lstm.forward(input); // out.output() (N, L, D * H_out), out.hN(), out.cN()
    }
    // [end load-rnn]
    return out;
  }

  static float[] loadNet(Path file, Tensor input) throws IOException {
    // [start load-net]
    // class Net(nn.Module): self.lstm = nn.LSTM(3, 5, batch_first=True); self.fc = nn.Linear(5, 2)
    StateDict net = StateDictFiles.read(file); // lstm.weight_ih_l0, ..., fc.weight, fc.bias
    SequenceModelConfig config =
        SequenceModelConfig.manyToOne(RnnConfig.lstm(3, 5).batchFirst(true).build(), 2);
    float[] prediction;
    try (SequenceModel model =
        SequenceModel.fromStateDict(config, net.rename("lstm.", "rnn.").rename("fc.", "head."))) {
      prediction = model.eval().forward(input, null).toFloatArray(); // fc(out[:, -1])
    }
    // [end load-net]
    return prediction;
  }

  static List<StateDict> keyHelpers(StateDict net) {
    // [start key-helpers]
    StateDict lstm = net.select("lstm."); // weight_ih_l0, ..., bias_hh_l0: for Rnn.fromStateDict
    StateDict wrapped = net.withPrefix("module."); // module.lstm.weight_ih_l0, ...: DataParallel's
    StateDict unwrapped = wrapped.stripPrefix("module."); // lstm.weight_ih_l0, ... again
    StateDict renamed = net.mapKeys(name -> name.replaceFirst("^fc\\.", "head.")); // head.weight...
    // [end key-helpers]
    return List.of(lstm, wrapped, unwrapped, renamed);
  }

  // A scope is used for what it closes, never named inside its block: javac's "try" lint.
  @SuppressWarnings("try")
  static float[] predict(Path dir, Device device, float[] values, int[] lengths)
      throws IOException {
    // [start inference]
    float[] logits;
    try (SequenceModel model = ModelFiles.read(dir).to(device).eval();
        TensorScope scope = TensorScope.open()) {
      Tensor x = Tensor.of(values, lengths.length, 4, 3).to(device); // (N, L, H_in), batch_first
      Tensor y = model.forward(x, lengths); // (N, 3) on the device, closed with the scope
      logits = y.to(Device.CPU).toFloatArray();
    }
    // [end inference]
    return logits;
  }

  // A scope is used for what it closes, never named inside its block: javac's "try" lint.
  @SuppressWarnings("try")
  static RnnResults rnnForward(Device device, float[] values) {
    // [start rnn-forward]
    RnnConfig config = RnnConfig.lstm(3, 8).numLayers(2).batchFirst(true).build();
    float[] output;
    float[] hN;
    try (Rnn lstm = Rnn.create(config, 42).to(device).eval();
        TensorScope scope = TensorScope.open()) {
      Tensor x = Tensor.of(values, 4, 6, 3).to(device); // (N, L, H_in)
      Tensor h0 = Tensor.zeros(DType.FLOAT32, device, 2, 4, 8); // (D * num_layers, N, H_out)
      Tensor c0 = Tensor.zeros(DType.FLOAT32, device, 2, 4, 8); // (D * num_layers, N, H_cell)
      RnnOutput out = lstm.forward(x, RnnState.of(h0, c0), new int[] {6, 3, 5, 1});
      output = out.output().to(Device.CPU).toFloatArray(); // (4, 6, 8), 0 after each length
      hN = out.hN().to(Device.CPU).toFloatArray(); // (2, 4, 8), at each sequence's last step
    }
    // [end rnn-forward]
    return new RnnResults(output, hN);
  }

  static void selectBackend(SequenceModel model, String spec) {
    // [start select-backend]
    Backend backend = Backends.select(spec); // "auto", "cpu", "cuda" or "cuda:1"
    model.to(backend); // parameters and gradients move once; forward runs there from now on
    // [end select-backend]
  }

  static SequenceDataset syntheticDataset() {
    // [start make-dataset]
    SplittableRandom random = new SplittableRandom(0);
    List<float[][]> sequences = new ArrayList<>();
    long[] labels = new long[600];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = i % 2 == 0 ? 0 : i % 4 == 1 ? 1 : 2; // class 0: half of the samples
      float slope = labels[i] == 0 ? 0f : labels[i] == 1 ? 0.2f : -0.2f;
      float[][] sequence = new float[random.nextInt(5, 21)][2]; // (L_i, H_in), L_i in [5, 20]
      for (int t = 0; t < sequence.length; t++) {
        sequence[t][0] = slope * t + 0.5f * (float) random.nextGaussian();
        sequence[t][1] = (float) random.nextGaussian();
      }
      sequences.add(sequence);
    }
    SequenceDataset data = SequenceDataset.classification(sequences, labels);
    // [end make-dataset]
    return data;
  }

  static SequenceModel trainClassifier(
      SequenceDataset.Split split, Device device, PrintStream out) {
    // [start train-classifier]
    RnnConfig gru = RnnConfig.gru(split.train().inputSize(), 16).batchFirst(true).build();
    SequenceModel model = SequenceModel.create(SequenceModelConfig.manyToOne(gru, 3), 7);
    model.to(device);
    out.println(model.summary()); // torchinfo's table; model.parameterCount() is its total
    try (Optimizer optimizer = OptimizerConfig.adam(1e-2).create(model.parameters());
        TrainingSet onHost = split.train().toTrainingSet(); // padded with 0, lengths kept
        TrainingSet train = onHost.to(device)) { // copied once; the same set on the CPU
      for (int epoch = 1; epoch <= 12; epoch++) {
        model.train();
        double loss = Trainer.trainEpoch(model, optimizer, train, 32, 42, epoch, 1.0, null);
        out.printf("epoch %d loss %.4f%n", epoch, loss);
      }
    }
    // [end train-classifier]
    return model;
  }

  static EarlyStopping.State scheduleAndStop(
      SequenceModel model, SequenceDataset.Split split, PrintStream out) {
    // [start schedule]
    try (Optimizer optimizer = OptimizerConfig.adam(1e-2).create(model.parameters());
        TrainingSet train = split.train().toTrainingSet()) {
      LrScheduler scheduler = SchedulerConfig.cosineAnnealingLr(20).create(optimizer);
      EarlyStopping stopping = new EarlyStopping(EarlyStoppingConfig.patience(3));
      for (int epoch = 1; epoch <= 20; epoch++) {
        model.train();
        Trainer.trainEpoch(model, optimizer, train, 32, 42, epoch, 1.0, null);
        double validationLoss = SequenceClassifier.evaluate(model, split.validation(), 64).loss();
        out.printf("epoch %d lr %.8f val loss %.4f%n", epoch, optimizer.lr(), validationLoss);
        scheduler.step(); // a ReduceLrOnPlateau steps with the metric: step(validationLoss)
        if (stopping.update(epoch, validationLoss)) {
          break; // stopping.state().bestEpoch() is the epoch whose weights to keep
        }
      }
      return stopping.state();
    }
    // [end schedule]
  }

  static SequenceDataset.Split split(SequenceDataset data) {
    // [start split]
    SequenceDataset.Split split = data.randomSplit(0.25, 42); // 450 train, 150 validation
    // [end split]
    return split;
  }

  // A scope is used for what it closes, never named inside its block: javac's "try" lint.
  @SuppressWarnings("try")
  static Scores evaluate(SequenceModel model, SequenceDataset validation) {
    // [start evaluate]
    model.eval();
    long[] predicted = new long[validation.size()];
    SequenceLoader loader =
        SequenceLoader.builder(validation).batchSize(64).batchFirst(true).build();
    for (SequenceBatch batch : loader) {
      try (TensorScope scope = TensorScope.open()) {
        Tensor y = model.forward(batch.input(), batch.lengths()); // (N, 3) logits
        float[] logits = y.to(Device.CPU).toFloatArray();
        for (int k = 0; k < batch.size(); k++) {
          int best = 0;
          for (int c = 1; c < 3; c++) {
            best = logits[k * 3 + c] > logits[k * 3 + best] ? c : best;
          }
          predicted[batch.indices()[k]] = best;
        }
      }
    }
    double accuracy = Metrics.accuracyScore(validation.labels(), predicted);
    double macroF1 = Metrics.f1Score(validation.labels(), predicted); // average='macro'
    // [end evaluate]
    return new Scores(predicted, accuracy, macroF1);
  }

  static void save(SequenceModel model, Path dir) throws IOException {
    // [start save]
    StateDictFiles.write(dir.resolve("weights.safetensors"), model.stateDict()); // rnn.*, head.*
    ModelFiles.write(dir.resolve("classifier"), model); // model.json + weights.safetensors
    // [end save]
  }

  static void exportNet(SequenceModel model, Path file) throws IOException {
    // [start export-net]
    StateDict net = model.stateDict().rename("rnn.", "lstm.").rename("head.", "fc.");
    StateDictFiles.write(file, net); // lstm.weight_ih_l0, ..., fc.bias: Net's names
    // [end export-net]
  }

  static void exportRnn(Rnn lstm, Path dir) throws IOException {
    // [start export-rnn]
    StateDictFiles.write(dir.resolve("lstm.safetensors"), lstm.stateDict()); // weight_ih_l0, ...
    Files.writeString(dir.resolve("lstm.json"), ModelConfigJson.toJson(lstm.config()));
    // [end export-rnn]
  }

  static void useThreads(SequenceModel model) {
    // [start threads]
    model.to(CpuBackend.withThreads(2)); // at most 2 threads per call; one backend per count
    // [end threads]
  }

  static Tensor scoped(SequenceModel model, Tensor x) {
    // [start scope]
    Tensor kept;
    try (TensorScope scope = TensorScope.open()) {
      Tensor logits = model.forward(x, null); // belongs to the scope
      Tensor doubled = logits.add(logits); // so does this
      kept = scope.detach(doubled); // the caller's from now on: close it when done
    } // logits is closed here
    // [end scope]
    return kept;
  }
}
