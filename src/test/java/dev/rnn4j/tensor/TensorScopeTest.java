package dev.rnn4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.DType;
import org.junit.jupiter.api.Test;

/** What a scope owns, what it closes, and in which order scopes close. */
class TensorScopeTest {
  private final Backend cpu = Backends.cpu();

  private Tensor made() {
    return Tensor.of(cpu.allocate(DType.FLOAT32, 4), 2, 2);
  }

  @Test
  void aScopeClosesWhatBackendsMadeInsideItAndNothingElse() {
    Tensor outside = made();
    Tensor fromArray;
    Tensor inside;
    Tensor detached;
    Tensor adopted = made();
    try (TensorScope scope = TensorScope.open()) {
      fromArray = Tensor.of(new float[] {1, 2}, 2);
      inside = made();
      detached = scope.detach(made());
      scope.attach(adopted);
      scope.attach(adopted);
      assertEquals(2, scope.size(), "inside and adopted, once");
    }
    assertTrue(inside.isClosed());
    assertTrue(adopted.isClosed());
    assertFalse(detached.isClosed());
    assertFalse(outside.isClosed());
    assertEquals(2.0, fromArray.get(1), "a tensor of the caller's array belongs to no scope");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> inside.view(4));
    assertEquals("Tensor of size [2, 2] on cpu used after close", e.getMessage());
    detached.close();
    outside.close();
  }

  @Test
  void scopesNestAndCloseInnermostFirst() {
    TensorScope outer = TensorScope.open();
    TensorScope inner = TensorScope.open();
    Tensor t = made();
    assertEquals(1, inner.size());
    assertEquals(0, outer.size());
    IllegalStateException e = assertThrows(IllegalStateException.class, outer::close);
    assertEquals(
        "TensorScope closed out of order: close the innermost scope first", e.getMessage());
    inner.close();
    assertTrue(t.isClosed());
    Tensor u = made();
    assertEquals(1, outer.size());
    outer.close();
    outer.close();
    assertTrue(u.isClosed());
  }
}
