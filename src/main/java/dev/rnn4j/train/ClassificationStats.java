package dev.rnn4j.train;

/**
 * One epoch of a classification run: the mean cross-entropy of the training and the validation
 * sequences, and the validation set's accuracy and macro-F1 ({@link Metrics}).
 */
public record ClassificationStats(
    int epoch,
    double trainLoss,
    double validationLoss,
    double validationAccuracy,
    double validationMacroF1) {}
