package dev.rnn4j.backend.cpu;

import java.util.ArrayList;
import java.util.List;

/**
 * The scratch arrays of one call, or of one tape and the backward pass that reads it: taken from an
 * {@link ArrayPool} by any of the call's threads, and all given back by {@link #close()}, after
 * which none of them may be read.
 */
final class Workspace<A> implements AutoCloseable {
  private final ArrayPool<A> pool;
  private final List<A> taken = new ArrayList<>();

  Workspace(ArrayPool<A> pool) {
    this.pool = pool;
  }

  /** {@code n} zeros, as a new array has. */
  A zeros(int n) {
    return keep(pool.take(n, true));
  }

  /** {@code n} elements of any content, for a buffer its user writes in full before reading. */
  A uninitialized(int n) {
    return keep(pool.take(n, false));
  }

  private synchronized A keep(A array) {
    taken.add(array);
    return array;
  }

  @Override
  public synchronized void close() {
    taken.forEach(pool::give);
    taken.clear();
  }
}
