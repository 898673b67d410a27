package dev.rnn4j.train;

import java.util.Map;

/**
 * {@code torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=1/3, end_factor=1.0,
 * total_iters=5)}: multiplies the initial learning rate by a factor that moves linearly from {@code
 * start_factor} (at creation) to {@code end_factor} (after {@code total_iters} steps) and stays
 * there: the usual warm-up (start = {@code start_factor}, end = {@code end_factor}, T = {@code
 * total_iters}). As PyTorch 2.x's {@code get_lr()}, each step scales the optimizer's current
 * learning rate (t = {@code last_epoch}):
 *
 * <pre>
 * t = 0 (creation):  lr = lr * start
 * 0 &lt; t &lt;= T:       lr = lr * (1 + (end - start) / (T * start + (t - 1) * (end - start)))
 * t &gt; T:            lr = lr
 * </pre>
 *
 * <p>in the same order of double operations, so the numbers are PyTorch's bit for bit. Create with
 * {@code SchedulerConfig.linearLr().create(optimizer)}; state: {@code start_factor}, {@code
 * end_factor}, {@code total_iters}, {@code base_lrs}, {@code last_epoch}, {@code _step_count},
 * {@code _last_lr}.
 */
public final class LinearLr extends ChainableLrScheduler {
  private final SchedulerConfig.Linear args;

  LinearLr(SchedulerConfig.Linear args, Optimizer optimizer) {
    super(optimizer, args);
    this.args = args;
    initialStep();
  }

  @Override
  double nextLr(double lr, boolean initial) {
    double start = args.startFactor();
    double end = args.endFactor();
    if (lastEpoch == 0) {
      return lr * start;
    }
    if (initial || lastEpoch > args.totalIters()) {
      return lr;
    }
    return lr
        * (1.0
            + (end - start)
                / (args.totalIters() * start + (double) (lastEpoch - 1) * (end - start)));
  }

  @Override
  void putArguments(Map<String, Object> state) {
    state.put("start_factor", args.startFactor());
    state.put("end_factor", args.endFactor());
    state.put("total_iters", args.totalIters());
  }

  @Override
  void readArguments(StateReader reader) {
    reader.argument("start_factor", args.startFactor());
    reader.argument("end_factor", args.endFactor());
    reader.argument("total_iters", args.totalIters());
  }
}
