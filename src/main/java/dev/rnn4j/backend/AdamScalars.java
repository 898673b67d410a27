package dev.rnn4j.backend;

import dev.rnn4j.internal.ExactMath;

/**
 * The scalars of one Adam or AdamW update ({@link Backend#adamStep}, the {@code adam_step} kernel),
 * computed on the host in float64 exactly as {@code dev.rnn4j.train.Adam} computes them for Adam
 * and AdamW (bias corrections through {@link ExactMath#powInt}); a float32 update rounds each to
 * float32, as {@code Adam} does.
 *
 * @param negStepSize {@code -(lr / (1 - beta1^t))}
 * @param biasCorrection2Sqrt {@code sqrt(1 - beta2^t)}
 * @param eps {@code eps}
 * @param beta1 {@code betas[0]}
 * @param oneMinusBeta1 {@code 1 - betas[0]}
 * @param beta2 {@code betas[1]}
 * @param oneMinusBeta2 {@code 1 - betas[1]}
 * @param weightDecay {@code weight_decay}
 * @param decay {@code 1 - lr * weight_decay}, AdamW's factor on the parameter
 * @param mode {@link #NO_DECAY}, {@link #L2} (Adam with {@code weight_decay != 0}) or {@link
 *     #DECOUPLED} (AdamW, even with {@code weight_decay} 0)
 */
public record AdamScalars(
    double negStepSize,
    double biasCorrection2Sqrt,
    double eps,
    double beta1,
    double oneMinusBeta1,
    double beta2,
    double oneMinusBeta2,
    double weightDecay,
    double decay,
    int mode) {

  /** The kernel's {@code mode} values (training.cu): how weight decay enters. */
  public static final int NO_DECAY = 0;

  /** {@code weight_decay} added to the gradient: Adam with {@code weight_decay != 0}. */
  public static final int L2 = 1;

  /** The parameter multiplied by {@link #decay} before the update: AdamW. */
  public static final int DECOUPLED = 2;

  /**
   * @param decoupled AdamW ({@code true}) or Adam
   * @param step this update's count for the parameter, from 1
   * @param lr {@code lr}
   * @param beta1 {@code betas[0]}
   * @param beta2 {@code betas[1]}
   * @param eps {@code eps}
   * @param weightDecay {@code weight_decay}
   * @return the kernel's arguments for this step
   */
  public static AdamScalars of(
      double lr,
      double beta1,
      double beta2,
      double eps,
      double weightDecay,
      boolean decoupled,
      long step) {
    double biasCorrection1 = 1 - ExactMath.powInt(beta1, step);
    double biasCorrection2 = 1 - ExactMath.powInt(beta2, step);
    int mode = decoupled ? DECOUPLED : weightDecay != 0 ? L2 : NO_DECAY;
    return new AdamScalars(
        -(lr / biasCorrection1),
        Math.sqrt(biasCorrection2),
        eps,
        beta1,
        1 - beta1,
        beta2,
        1 - beta2,
        weightDecay,
        1 - lr * weightDecay,
        mode);
  }
}
