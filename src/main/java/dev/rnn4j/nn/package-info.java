/**
 * The user-facing modules, in PyTorch's vocabulary: {@link dev.rnn4j.nn.RnnConfig} (the constructor
 * arguments), {@link dev.rnn4j.nn.Rnn} (the recurrent module), {@link dev.rnn4j.nn.SequenceModel}
 * (a module with a linear head), {@link dev.rnn4j.nn.Parameter} (a module's tensors and their
 * gradients, on the module's device), {@link dev.rnn4j.nn.RnnState} and {@link
 * dev.rnn4j.nn.RnnOutput} (what goes in and comes out), the closeable tapes that keep a pass for
 * its backward, and {@link dev.rnn4j.nn.StateDict} (PyTorch's {@code state_dict}, on the host).
 *
 * <p>Limits: dropout masks are seeded and deterministic but are not PyTorch's random numbers, so
 * only evaluation-mode outputs match PyTorch number for number. Parameters are updated in place (by
 * optimizers, {@code loadStateDict}): not while a pass runs on another thread.
 */
package dev.rnn4j.nn;
