package dev.rnn4j.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn4j.nn.RnnConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParamKeyTest {

  @Test
  void namesAndOrderAreThoseOfPyTorchsStateDict() {
    RnnConfig c = RnnConfig.lstm(10, 20).numLayers(2).bidirectional(true).projSize(5).build();
    List<String> names = ParamKey.all(c).stream().map(ParamKey::name).toList();
    assertEquals(
        List.of(
            "weight_ih_l0",
            "weight_hh_l0",
            "bias_ih_l0",
            "bias_hh_l0",
            "weight_hr_l0",
            "weight_ih_l0_reverse",
            "weight_hh_l0_reverse",
            "bias_ih_l0_reverse",
            "bias_hh_l0_reverse",
            "weight_hr_l0_reverse",
            "weight_ih_l1",
            "weight_hh_l1",
            "bias_ih_l1",
            "bias_hh_l1",
            "weight_hr_l1",
            "weight_ih_l1_reverse",
            "weight_hh_l1_reverse",
            "bias_ih_l1_reverse",
            "bias_hh_l1_reverse",
            "weight_hr_l1_reverse"),
        names);
  }

  @Test
  void shapesFollowTheTable() {
    RnnConfig c = RnnConfig.lstm(10, 20).numLayers(2).bidirectional(true).projSize(5).build();
    assertArrayEquals(new int[] {80, 10}, ParamKey.of(ParamKey.Kind.WEIGHT_IH, 0, false).shape(c));
    assertArrayEquals(new int[] {80, 10}, ParamKey.of(ParamKey.Kind.WEIGHT_IH, 1, true).shape(c));
    assertArrayEquals(new int[] {80, 5}, ParamKey.of(ParamKey.Kind.WEIGHT_HH, 1, false).shape(c));
    assertArrayEquals(new int[] {80}, ParamKey.of(ParamKey.Kind.BIAS_HH, 0, true).shape(c));
    assertArrayEquals(new int[] {5, 20}, ParamKey.of(ParamKey.Kind.WEIGHT_HR, 0, false).shape(c));
    RnnConfig gru = RnnConfig.gru(3, 4).numLayers(2).bidirectional(true).bias(false).build();
    assertEquals(8, ParamKey.all(gru).size());
    assertArrayEquals(new int[] {12, 8}, ParamKey.of(ParamKey.Kind.WEIGHT_IH, 1, false).shape(gru));
  }
}
