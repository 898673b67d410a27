/**
 * The {@code rnn4j} command line ({@code java -jar rnn4j.jar <command>}), built on picocli:
 *
 * <ul>
 *   <li>{@code demo}: the vanilla, stacked, bidirectional and stacked bidirectional RNNs of the
 *       PyTorch basics article, on the numbers 1..20, printed as PyTorch prints them, with the
 *       article's observations about {@code out} and {@code h_n} checked exactly;
 *   <li>{@code forward}: one evaluation-mode forward pass of a PyTorch {@code RNN}, {@code LSTM} or
 *       {@code GRU} whose config, {@code state_dict} and inputs are files (JSON and safetensors),
 *       its results written to a safetensors file.
 * </ul>
 *
 * <p>Exit codes: 0 on success, 1 when the work fails (bad input files, an unavailable device, a
 * demo observation that does not hold), 2 for a usage error (picocli's convention). A failure
 * prints one line to stderr, {@code rnn4j <command>: <reason>}, and no stack trace; a stack trace
 * means a bug.
 *
 * <p>Logs go to stderr through slf4j-simple, one line each ({@code WARN Backends - ...}), which
 * {@link dev.rnn4j.cli.Main} selects and configures itself because the jar leaves out
 * slf4j-simple's service registration (so that a host application keeps its own logging provider).
 *
 * <p>Limits: evaluation mode only (no dropout, no training); every file is read whole into memory
 * (2 GiB at most, see {@link dev.rnn4j.io}); one forward pass per invocation, so the JVM's start-up
 * dominates small models.
 */
package dev.rnn4j.cli;
