/**
 * What a recurrent stack is, independent of where it runs: {@link dev.rnn4j.spec.RnnShape} (its
 * sizes and switches), {@link dev.rnn4j.spec.RnnMode} (the four cells) and {@link
 * dev.rnn4j.spec.ParamKey} (its parameters' PyTorch names, order and shapes). The leaf that both
 * the backends and the modules build on.
 *
 * <p>Limits: plain descriptions; validation of user input is {@code dev.rnn4j.nn.RnnConfig}'s.
 */
package dev.rnn4j.spec;
