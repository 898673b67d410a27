/**
 * Training forecasters on the CPU: data ({@link dev.rnn4j.train.TimeSeries} from CSV,
 * {@link dev.rnn4j.train.WindowDataset} sliding windows split by time, {@link dev.rnn4j.train.Normalization},
 * {@link dev.rnn4j.train.BatchIterator} shuffled by seed and epoch), losses ({@link dev.rnn4j.train.MseLoss},
 * {@link dev.rnn4j.train.CrossEntropyLoss}), optimizers equal to {@code torch.optim}'s
 * ({@link dev.rnn4j.train.Sgd}, {@link dev.rnn4j.train.Adam}, {@link dev.rnn4j.train.AdamW}, configured by
 * {@link dev.rnn4j.train.OptimizerConfig}), {@link dev.rnn4j.train.GradClipping}, and the run itself
 * ({@link dev.rnn4j.train.TrainingConfig}, {@link dev.rnn4j.train.Trainer}, {@link dev.rnn4j.train.Checkpoint},
 * {@link dev.rnn4j.train.Forecaster}).
 *
 * <p>Limits: forecasting (many-to-one, regression) is the packaged workflow; classification has its loss but
 * no trainer. One optimizer param group. Training is deterministic for a seed: every random choice derives
 * from (seed, epoch), which is what makes a resumed run equal the uninterrupted one. A step's gradient comes
 * from a {@link dev.rnn4j.train.Trainer.StepGradients}: this process, or (through
 * {@link dev.rnn4j.train.Forecaster#shareGradient}) a cluster's tasks ({@code dev.rnn4j.spark.SparkTrainer}).
 */
package dev.rnn4j.train;
