package dev.rnn4j.train;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.Tensor;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Training steps that run where a backend computes and keep everything there between steps: the model's
 * parameters and gradients, the optimizer's state, and the whole training set. A step's only transfer to the
 * host is its loss. A step does what {@link Trainer}'s host loop does, in the same order: forward, mean
 * squared error, backward, global-norm clipping when asked for, and the optimizer's update.
 *
 * <p>Backends that can (CUDA) register a {@link Provider} with {@link ServiceLoader}; the trainer asks for
 * one when the model is on such a backend, and otherwise runs its host loop.
 */
public interface DeviceTraining extends AutoCloseable {
  /**
   * One optimizer step on a mini-batch.
   *
   * @param samples indices into the training set given to {@link Provider#open}, in batch order
   * @param dropoutSeed the seed of the step's dropout masks (device masks never equal the host's)
   * @return the mini-batch's mean squared error, before the update
   */
  double step(int[] samples, long dropoutSeed);

  /** The model's parameters as they are now, under {@link dev.rnn4j.nn.SequenceModel}'s names. */
  StateDict weights();

  /** The optimizer's state as {@link Optimizer#state()} reports it. */
  StateDict optimizerState();

  /** Frees what the training holds on the device. */
  @Override
  void close();

  /** Creates device trainings for one kind of backend. */
  interface Provider {
    /** Whether {@code backend} is this provider's kind, for which it may {@link #open} a training. */
    boolean takes(Backend backend);

    /**
     * A device training for this run on a backend the provider {@link #takes}, or empty when the run is one
     * it does not support (the host loop then trains on {@code backend}).
     *
     * @param weights the model's parameters to start from
     * @param optimizerState the optimizer's state to continue from ({@link Optimizer#state()}); empty for a
     *     new run
     * @param inputs every training sample in the model's units, (S, L, H_in) float32, batch first
     * @param targets their targets in the model's units, (S, out_features) float32
     */
    Optional<DeviceTraining> open(Backend backend, TrainingConfig config, StateDict weights,
        StateDict optimizerState, Tensor inputs, Tensor targets);
  }

  /**
   * The registered provider that takes {@code backend}, if any. Asked before the training set is gathered
   * for {@link Provider#open}, so that a backend without one (the CPU) costs nothing.
   */
  static Optional<Provider> providerFor(Backend backend) {
    for (Provider p : ServiceLoader.load(Provider.class, DeviceTraining.class.getClassLoader())) {
      if (p.takes(backend)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
