package dev.rnn4j.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One forecasting epoch's numbers: losses in the model's units (mean squared error of normalized,
 * anchored values), and the validation errors in the series' own units over every horizon step of
 * the validation samples, as {@link Metrics} computes them: the model's RMSE, MAE and MAPE, and the
 * naive last-value forecast's RMSE.
 *
 * @param epoch the epoch, from 1
 * @param trainLoss the mean training loss of the epoch's steps
 * @param validationLoss the mean validation loss
 * @param validationRmse the model's root mean squared error
 * @param naiveRmse the naive forecast's root mean squared error
 * @param validationMae the model's mean absolute error; NaN in checkpoints written before it was
 *     recorded
 * @param validationMape the model's mean absolute percentage error, as a fraction (scikit-learn's
 *     {@code mean_absolute_percentage_error}); NaN in checkpoints written before it was recorded
 */
public record EpochStats(
    int epoch,
    double trainLoss,
    double validationLoss,
    double validationRmse,
    double naiveRmse,
    double validationMae,
    double validationMape) {

  /** The form a checkpoint's history is read in: the two later metrics may be absent. */
  @JsonCreator
  static EpochStats fromJson(
      @JsonProperty(value = "epoch", required = true) int epoch,
      @JsonProperty(value = "trainLoss", required = true) double trainLoss,
      @JsonProperty(value = "validationLoss", required = true) double validationLoss,
      @JsonProperty(value = "validationRmse", required = true) double validationRmse,
      @JsonProperty(value = "naiveRmse", required = true) double naiveRmse,
      @JsonProperty("validationMae") Double validationMae,
      @JsonProperty("validationMape") Double validationMape) {
    return new EpochStats(
        epoch,
        trainLoss,
        validationLoss,
        validationRmse,
        naiveRmse,
        validationMae == null ? Double.NaN : validationMae,
        validationMape == null ? Double.NaN : validationMape);
  }
}
