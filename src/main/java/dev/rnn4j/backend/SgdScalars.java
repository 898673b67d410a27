package dev.rnn4j.backend;

/**
 * The scalars of one SGD update ({@link Backend#sgdStep}, the {@code sgd_step} kernel), computed on
 * the host in float64 exactly as {@code dev.rnn4j.train.Sgd} computes them; a float32 update rounds
 * each to float32, as {@code Sgd} does. {@code torch.optim.SGD}'s arguments go in, the kernel's
 * arguments come out.
 *
 * @param weightDecay {@code weight_decay}
 * @param momentum {@code momentum}; 0 means the kernel keeps no momentum buffer
 * @param keep {@code 1 - dampening}
 * @param negLr {@code -lr}
 * @param decay whether {@code weight_decay != 0} (tested before rounding, as {@code Sgd} tests it)
 * @param first whether this is the parameter's first update, where the buffer takes the gradient
 * @param nesterov {@code nesterov}
 */
public record SgdScalars(
    double weightDecay,
    double momentum,
    double keep,
    double negLr,
    boolean decay,
    boolean first,
    boolean nesterov) {

  /**
   * @param step this update's count for the parameter, from 1 ({@code Sgd}'s {@code s.step} after
   *     its increment)
   * @param lr {@code lr}
   * @param momentum {@code momentum}
   * @param dampening {@code dampening}
   * @param weightDecay {@code weight_decay}
   * @param nesterov {@code nesterov}
   * @return the kernel's arguments for this step
   */
  public static SgdScalars of(
      double lr,
      double momentum,
      double dampening,
      double weightDecay,
      boolean nesterov,
      long step) {
    return new SgdScalars(
        weightDecay, momentum, 1 - dampening, -lr, weightDecay != 0, step == 1, nesterov);
  }
}
