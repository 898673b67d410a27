/**
 * The user-facing recurrent module: {@link dev.rnn4j.nn.RnnConfig} (PyTorch's constructor arguments),
 * {@link dev.rnn4j.nn.Rnn} (the module), {@link dev.rnn4j.nn.RnnState} and {@link dev.rnn4j.nn.RnnOutput}
 * (what goes in and comes out), and {@link dev.rnn4j.spec.ParamKey} / {@link dev.rnn4j.nn.StateDict}
 * (PyTorch's parameter names).
 *
 * <p>Limits: forward pass only (training arrives in {@code dev.rnn4j.train}); dropout masks are seeded and
 * deterministic but are not PyTorch's random numbers, so only evaluation-mode outputs match PyTorch
 * number for number.
 */
package dev.rnn4j.nn;
