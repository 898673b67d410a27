/**
 * Training, on any backend: the one loop ({@link dev.rnn4j.train.Trainer#trainEpoch} over a {@link
 * dev.rnn4j.train.TrainingSet} kept on the model's device), optimizers equal to {@code
 * torch.optim}'s and bound to parameters ({@link dev.rnn4j.train.Sgd}, {@link
 * dev.rnn4j.train.Adam}, {@link dev.rnn4j.train.AdamW}, configured by {@link
 * dev.rnn4j.train.OptimizerConfig}), learning-rate schedulers equal to {@code
 * torch.optim.lr_scheduler}'s and bound to an optimizer ({@link dev.rnn4j.train.StepLr}, {@link
 * dev.rnn4j.train.CosineAnnealingLr}, {@link dev.rnn4j.train.LinearLr}, {@link
 * dev.rnn4j.train.ReduceLrOnPlateau}, configured by {@link dev.rnn4j.train.SchedulerConfig}), early
 * stopping ({@link dev.rnn4j.train.EarlyStopping}), {@link dev.rnn4j.train.GradClipping}, losses
 * ({@link dev.rnn4j.train.MseLoss}, {@link dev.rnn4j.train.CrossEntropyLoss}); and forecasting:
 * data ({@link dev.rnn4j.train.TimeSeries} from CSV, {@link dev.rnn4j.train.WindowDataset} sliding
 * windows split by time, {@link dev.rnn4j.train.Normalization}, {@link
 * dev.rnn4j.train.BatchIterator} shuffled by seed and epoch) and the run itself ({@link
 * dev.rnn4j.train.TrainingConfig}, {@link dev.rnn4j.train.Trainer#train}, {@link
 * dev.rnn4j.train.Checkpoint}, {@link dev.rnn4j.train.Forecaster}); sequence data ({@link
 * dev.rnn4j.train.SequenceDataset}, {@link dev.rnn4j.train.SequenceLoader}, {@link
 * dev.rnn4j.train.LabelledSequences}), {@link dev.rnn4j.train.Metrics} and sequence classification
 * ({@link dev.rnn4j.train.SequenceClassifier}, {@link dev.rnn4j.train.ClassificationCheckpoint}).
 *
 * <p>Schedulers live here rather than in a package of their own because they drive the optimizers
 * and the run's config and checkpoint carry them: a sub-package would depend on this one and this
 * one on it.
 *
 * <p>Limits: one optimizer param group (so one learning rate per scheduler). Training is
 * deterministic for a seed: every random choice derives from (seed, epoch), which is what makes a
 * resumed run equal the uninterrupted one; seeded shuffles and splits are rnn4j's own order, not
 * {@code torch.Generator}'s. A forecaster's step gradient may come from a {@link
 * dev.rnn4j.train.Trainer.StepGradients} source other than this process (through {@link
 * dev.rnn4j.train.Forecaster#shareGradient}, a cluster's tasks: {@code
 * dev.rnn4j.spark.SparkTrainer}).
 */
package dev.rnn4j.train;
