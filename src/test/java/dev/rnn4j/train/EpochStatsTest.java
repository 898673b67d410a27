package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Test;

/**
 * A checkpoint's history round-trips, and one written before MAE and MAPE were kept still reads.
 */
class EpochStatsTest {
  // Checkpoint's own reader settings.
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES).build();

  @Test
  void roundTripsThroughJson() throws Exception {
    EpochStats s = new EpochStats(3, 0.25, 0.5, 1.5, 3.0, 1.25, 0.0125);
    assertEquals(s, JSON.readValue(JSON.writeValueAsString(s), EpochStats.class));
  }

  @Test
  void aHistoryWithoutMaeAndMapeReadsThemAsNaN() throws Exception {
    EpochStats s =
        JSON.readValue(
            "{\"epoch\":2,\"trainLoss\":0.1,\"validationLoss\":0.2,\"validationRmse\":0.7,"
                + "\"naiveRmse\":3.4}",
            EpochStats.class);
    assertEquals(2, s.epoch());
    assertEquals(0.7, s.validationRmse());
    assertTrue(Double.isNaN(s.validationMae()) && Double.isNaN(s.validationMape()), s::toString);
  }
}
