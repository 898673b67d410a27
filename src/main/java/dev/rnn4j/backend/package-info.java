/**
 * The backend service interface: where tensors live and compute. {@link dev.rnn4j.backend.Storage}
 * (memory on a {@link dev.rnn4j.backend.Device}), {@link dev.rnn4j.backend.Backend} (allocation,
 * transfers and the array operations modules and training are made of), {@link
 * dev.rnn4j.backend.RnnKernel} (a recurrent stack whose parameters live on the backend), and how a
 * backend is found ({@link dev.rnn4j.backend.BackendProvider} through {@link
 * java.util.ServiceLoader}) and chosen ({@link dev.rnn4j.backend.Backends}: {@code auto}, {@code
 * cpu}, {@code cuda}, {@code cuda:N}).
 *
 * <p>Limits: a backend knows nothing of modules or training (it sees an RNN only as a {@link
 * dev.rnn4j.spec.RnnShape}); it receives inputs already validated by {@code dev.rnn4j.nn}, and
 * checks only what would otherwise corrupt memory. This package never loads native code; a
 * provider's {@code probe()} decides that.
 */
package dev.rnn4j.backend;
