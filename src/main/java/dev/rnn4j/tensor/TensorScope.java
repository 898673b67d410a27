package dev.rnn4j.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A scope that owns every tensor a backend makes on this thread while it is open, and closes them
 * all when it closes, in the manner of DJL's {@code NDManager}: one training step's temporaries
 * (outputs, gradients, losses) are released together, on the GPU at once, without closing each.
 *
 * <pre>{@code
 * try (TensorScope step = TensorScope.open()) {
 *   Tensor x = batch.to(device);                 // belongs to the scope
 *   ...
 *   kept = step.detach(result);                  // leaves the scope: the caller owns it now
 * }                                              // every other tensor made inside is closed here
 * }</pre>
 *
 * <p>Scopes nest: a tensor belongs to the innermost scope open on the thread that made it. Host
 * tensors made from Java arrays ({@link Tensor#of(float[], int...)}) and views belong to no scope.
 * A scope must be closed on the thread that opened it, innermost first.
 */
public final class TensorScope implements AutoCloseable {
  private static final ThreadLocal<Deque<TensorScope>> OPEN =
      ThreadLocal.withInitial(ArrayDeque::new);

  private final List<Tensor> owned = new ArrayList<>();
  private boolean closed;

  private TensorScope() {}

  /**
   * Opens a scope on this thread, inside any scope already open.
   *
   * @return the new scope, the innermost on this thread until closed
   */
  public static TensorScope open() {
    TensorScope scope = new TensorScope();
    OPEN.get().push(scope);
    return scope;
  }

  /** Adds {@code t} to the innermost open scope, if there is one. */
  static Tensor register(Tensor t) {
    TensorScope scope = OPEN.get().peek();
    if (scope != null) {
      scope.owned.add(t);
    }
    return t;
  }

  /**
   * Takes {@code t} out of this scope, so that closing the scope leaves it open: the caller owns
   * it, or hands it to an outer scope with {@link #attach}.
   *
   * @param t a tensor of this scope
   * @return {@code t}
   */
  public Tensor detach(Tensor t) {
    owned.removeIf(o -> o == t);
    return t;
  }

  /**
   * Gives {@code t} to this scope, which then closes it with everything else it owns.
   *
   * @param t a tensor the scope closes from now on
   * @return {@code t}
   */
  public Tensor attach(Tensor t) {
    if (owned.stream().noneMatch(o -> o == t)) {
      owned.add(t);
    }
    return t;
  }

  /**
   * The number of tensors this scope owns now.
   *
   * @return the count of owned tensors
   */
  public int size() {
    return owned.size();
  }

  /** Closes every tensor the scope owns, the newest first; idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    Deque<TensorScope> stack = OPEN.get();
    if (stack.peek() != this) {
      throw new IllegalStateException(
          "TensorScope closed out of order: close the innermost scope first");
    }
    stack.pop();
    closed = true;
    for (int i = owned.size() - 1; i >= 0; i--) {
      owned.get(i).close();
    }
    owned.clear();
  }
}
