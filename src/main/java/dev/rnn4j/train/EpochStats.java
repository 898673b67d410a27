package dev.rnn4j.train;

/**
 * One epoch's numbers: losses in the model's units (mean squared error of normalized, anchored values), and
 * the validation error in the series' own units, the model's and the naive last-value forecast's.
 */
public record EpochStats(int epoch, double trainLoss, double validationLoss, double validationRmse,
    double naiveRmse) {}
