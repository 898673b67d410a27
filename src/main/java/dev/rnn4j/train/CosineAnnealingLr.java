package dev.rnn4j.train;

import java.util.Map;

/**
 * {@code torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max, eta_min=0)}: anneals the
 * learning rate from its initial value {@code base_lr} to {@code eta_min} along a half cosine over
 * {@code T_max} epochs, and back up over the next {@code T_max} (no restarts: the cosine goes on).
 * The closed form is
 *
 * <pre>
 * lr(t) = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2
 * </pre>
 *
 * <p>but, as PyTorch 2.x's {@code get_lr()}, each step computes the next learning rate from the
 * optimizer's current one (t = {@code last_epoch}):
 *
 * <pre>
 * lr = lr + (base_lr - eta_min) * (1 - cos(pi / T_max)) / 2     if (t - 1 - T_max) mod 2 T_max = 0
 * lr = (1 + cos(pi * t / T_max)) / (1 + cos(pi * (t - 1) / T_max)) * (lr - eta_min) + eta_min
 * </pre>
 *
 * <p>in the same order of double operations. The cosine is {@link Math#cos}, which HotSpot computes
 * with one stub in every tier; it gives glibc's {@code cos} (which Python calls) on every epoch of
 * the fixtures, where {@link StrictMath#cos} (fdlibm) is off by an ulp at some (see {@code
 * SchedulerParityTest}). Create with {@code SchedulerConfig.cosineAnnealingLr(tMax)
 * .create(optimizer)}; state: {@code T_max}, {@code eta_min}, {@code base_lrs}, {@code last_epoch},
 * {@code _step_count}, {@code _last_lr}.
 */
public final class CosineAnnealingLr extends ChainableLrScheduler {
  private final SchedulerConfig.CosineAnnealing args;

  CosineAnnealingLr(SchedulerConfig.CosineAnnealing args, Optimizer optimizer) {
    super(optimizer, args);
    this.args = args;
    initialStep();
  }

  // PyTorch's branch for `_step_count == 1 and last_epoch > 0` serves schedulers built with
  // last_epoch > 0; rnn4j resumes through loadStateDict instead, so it never applies.
  @Override
  double nextLr(double lr, boolean initial) {
    if (initial) {
      return lr;
    }
    int tMax = args.tMax();
    double etaMin = args.etaMin();
    // Python's % with a positive divisor is never negative; floorMod is that.
    if (Math.floorMod(lastEpoch - 1L - tMax, 2L * tMax) == 0) {
      return lr + (baseLr - etaMin) * (1 - Math.cos(Math.PI / tMax)) / 2;
    }
    return (1 + Math.cos(Math.PI * lastEpoch / tMax))
            / (1 + Math.cos(Math.PI * (lastEpoch - 1) / tMax))
            * (lr - etaMin)
        + etaMin;
  }

  @Override
  void putArguments(Map<String, Object> state) {
    state.put("T_max", args.tMax());
    state.put("eta_min", args.etaMin());
  }

  @Override
  void readArguments(StateReader reader) {
    reader.argument("T_max", args.tMax());
    reader.argument("eta_min", args.etaMin());
  }
}
