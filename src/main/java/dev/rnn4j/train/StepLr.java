package dev.rnn4j.train;

import java.util.Map;

/**
 * {@code torch.optim.lr_scheduler.StepLR(optimizer, step_size, gamma=0.1)}: multiplies the learning
 * rate by {@code gamma} every {@code step_size} epochs. Per {@link #step()}, with {@code
 * last_epoch} counting the steps:
 *
 * <pre>
 * lr = lr * gamma     if last_epoch is a positive multiple of step_size
 * lr = lr             otherwise
 * </pre>
 *
 * <p>With {@code lr = 0.05}, {@code step_size=30}: 0.05 for epochs 0-29, 0.005 for 30-59, and so
 * on. The product is taken from the optimizer's current learning rate (PyTorch's chainable form),
 * so the numbers are PyTorch's bit for bit. Create with {@code SchedulerConfig.stepLr(stepSize)
 * .create(optimizer)}; state: {@code step_size}, {@code gamma}, {@code base_lrs}, {@code
 * last_epoch}, {@code _step_count}, {@code _last_lr}.
 */
public final class StepLr extends ChainableLrScheduler {
  private final SchedulerConfig.Step args;

  StepLr(SchedulerConfig.Step args, Optimizer optimizer) {
    super(optimizer, args);
    this.args = args;
    initialStep();
  }

  @Override
  double nextLr(double lr, boolean initial) {
    if (lastEpoch == 0 || lastEpoch % args.stepSize() != 0) {
      return lr;
    }
    return lr * args.gamma();
  }

  @Override
  void putArguments(Map<String, Object> state) {
    state.put("step_size", args.stepSize());
    state.put("gamma", args.gamma());
  }

  @Override
  void readArguments(StateReader reader) {
    reader.argument("step_size", args.stepSize());
    reader.argument("gamma", args.gamma());
  }
}
