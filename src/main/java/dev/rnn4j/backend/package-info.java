/**
 * The backend service interface: where recurrent layers run, how a backend is found
 * ({@link dev.rnn4j.backend.BackendProvider} through {@link java.util.ServiceLoader}) and chosen
 * ({@link dev.rnn4j.backend.Backends}: {@code auto}, {@code cpu}, {@code cuda}, {@code cuda:N}).
 *
 * <p>Limits: a backend receives inputs already validated by {@link dev.rnn4j.nn.Rnn}; nothing here checks
 * user input again. This package never loads native code; a provider's {@code probe()} decides that.
 */
package dev.rnn4j.backend;
