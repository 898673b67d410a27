package dev.rnn4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rnn4j.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The key-mapping helpers: names as PyTorch's prefix utilities give them, tensors shared. */
class StateDictKeysTest {
  private static final Tensor A = Tensor.of(new float[] {1}, 1);
  private static final Tensor B = Tensor.of(new float[] {2}, 1);
  private static final Tensor C = Tensor.of(new float[] {3}, 1);

  private static StateDict dict(String... names) {
    Tensor[] tensors = {A, B, C};
    Map<String, Tensor> map = new LinkedHashMap<>();
    for (int i = 0; i < names.length; i++) {
      map.put(names[i], tensors[i]);
    }
    return StateDict.of(map);
  }

  @Test
  void withPrefixPutsThePrefixAsGivenInFrontOfEveryName() {
    StateDict sd = dict("weight_ih_l0", "bias_ih_l0").withPrefix("rnn.");

    assertEquals(List.of("rnn.weight_ih_l0", "rnn.bias_ih_l0"), sd.names());
    assertSame(A, sd.get("rnn.weight_ih_l0"));
    assertSame(B, sd.get("rnn.bias_ih_l0"));
    assertEquals(
        List.of("rnnweight_ih_l0", "rnnbias_ih_l0"),
        dict("weight_ih_l0", "bias_ih_l0").withPrefix("rnn").names());
  }

  @Test
  void stripPrefixRemovesItWherePresentAndKeepsTheOtherNames() {
    StateDict sd = dict("module.weight", "bias", "module.x").stripPrefix("module.");

    assertEquals(List.of("weight", "bias", "x"), sd.names());
    assertSame(B, sd.get("bias"));
    assertEquals(List.of("a", "b"), dict("a", "b").stripPrefix("module.").names());
  }

  @Test
  void stripPrefixNamesBothNamesThatBecomeOne() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> dict("weight", "module.weight").stripPrefix("module."));

    assertEquals(
        "stripPrefix(\"module.\") maps both \"weight\" and \"module.weight\" to \"weight\"",
        e.getMessage());
  }

  @Test
  void renameReplacesAPrefixInOrder() {
    StateDict net = dict("lstm.weight_ih_l0", "fc.weight", "lstm.bias_ih_l0");

    StateDict sd = net.rename("lstm.", "rnn.").rename("fc.", "head.");

    assertEquals(List.of("rnn.weight_ih_l0", "head.weight", "rnn.bias_ih_l0"), sd.names());
    assertSame(C, sd.get("rnn.bias_ih_l0"));
    assertEquals(List.of("lstm.weight_ih_l0", "fc.weight", "lstm.bias_ih_l0"), net.names());
    assertEquals(
        List.of("weight_ih_l0", "fc.weight", "bias_ih_l0"), net.rename("lstm.", "").names());
  }

  @Test
  void renameFailsWhenNoNameHasThePrefix() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> dict("lstm.weight", "fc.weight").rename("gru.", "rnn."));

    assertEquals(
        "rename(\"gru.\", \"rnn.\"): no name starts with \"gru.\" in state_dict "
            + "[lstm.weight, fc.weight]",
        e.getMessage());
  }

  @Test
  void renameNamesBothNamesThatCollide() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> dict("rnn.weight", "lstm.weight").rename("lstm.", "rnn."));

    assertEquals(
        "rename(\"lstm.\", \"rnn.\") maps both \"rnn.weight\" and \"lstm.weight\" to "
            + "\"rnn.weight\"",
        e.getMessage());
  }

  @Test
  void mapKeysAppliesTheFunctionToEveryName() {
    StateDict sd = dict("a", "b").mapKeys(name -> name.toUpperCase(java.util.Locale.ROOT));

    assertEquals(List.of("A", "B"), sd.names());
    assertSame(A, sd.get("A"));
  }

  @Test
  void mapKeysRefusesNullNamesAndCollisions() {
    IllegalArgumentException toNull =
        assertThrows(
            IllegalArgumentException.class,
            () -> dict("a", "b").mapKeys(name -> name.equals("b") ? null : name));
    IllegalArgumentException collision =
        assertThrows(
            IllegalArgumentException.class,
            () -> dict("a", "b", "c").mapKeys(name -> name.equals("a") ? "a" : "x"));

    assertEquals("mapKeys maps \"b\" to null", toNull.getMessage());
    assertEquals("mapKeys maps both \"b\" and \"c\" to \"x\"", collision.getMessage());
  }

  @Test
  void selectIsTheSubmodulesStateDict() {
    StateDict sd =
        dict(
                "model.encoder.rnn.weight_ih_l0",
                "model.decoder.weight",
                "model.encoder.rnn.bias_ih_l0")
            .select("model.encoder.rnn.");

    assertEquals(List.of("weight_ih_l0", "bias_ih_l0"), sd.names());
    assertSame(A, sd.get("weight_ih_l0"));
    assertSame(C, sd.get("bias_ih_l0"));
  }

  @Test
  void selectFailsWhenNoNameHasThePrefix() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> dict("rnn.weight").select("encoder."));

    assertEquals(
        "select(\"encoder.\"): no name starts with \"encoder.\" in state_dict [rnn.weight]",
        e.getMessage());
  }

  @Test
  void filterKeepsNamesAndOrder() {
    StateDict sd = dict("rnn.w", "head.w", "rnn.b").filter(name -> name.startsWith("rnn."));

    assertEquals(List.of("rnn.w", "rnn.b"), sd.names());
    assertEquals(0, dict("a").filter(name -> false).size());
  }

  @Test
  void renamedDictLoadsIntoAnRnn() {
    RnnConfig config = RnnConfig.lstm(3, 4).build();
    try (Rnn source = Rnn.create(config, 11)) {
      StateDict wrapped = source.stateDict().withPrefix("model.encoder.lstm.");

      try (Rnn loaded = Rnn.fromStateDict(config, wrapped.select("model.encoder.lstm."))) {
        assertEquals(source.stateDict(), loaded.stateDict());
      }
    }
  }
}
