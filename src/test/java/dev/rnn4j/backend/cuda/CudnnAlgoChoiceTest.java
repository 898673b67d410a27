package dev.rnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn4j.backend.DType;
import dev.rnn4j.nn.RnnConfig;
import org.junit.jupiter.api.Test;

/**
 * The cuDNN algorithm rnn4j asks for (no GPU needed): PyTorch's choice with TF32 allowed, the
 * standard algorithm for strict FP32 (whose numbers the parity tests hold to 1e-5 of the CPU's).
 */
class CudnnAlgoChoiceTest {
  private static final int STANDARD = 0;
  private static final int SMALL_H = 3;
  private static final int HOPPER = 90;

  @Test
  void tf32FollowsPyTorchsHeuristic() {
    RnnConfig lstm128 = RnnConfig.lstm(8, 128).build();
    RnnConfig lstm192 = RnnConfig.lstm(8, 192).build();
    RnnConfig lstm256 = RnnConfig.lstm(8, 256).build();
    RnnConfig tanh384 = RnnConfig.rnn(8, 384).build();
    assertEquals(SMALL_H, algo(lstm128, false, false));
    assertEquals(SMALL_H, algo(lstm128, true, false));
    // Between the backward and the forward thresholds: persistent for inference only.
    assertEquals(SMALL_H, algo(lstm192, false, false));
    assertEquals(STANDARD, algo(lstm192, true, false));
    assertEquals(STANDARD, algo(lstm256, false, false));
    assertEquals(SMALL_H, algo(tanh384, false, false));
    assertEquals(STANDARD, algo(tanh384, true, false));
  }

  @Test
  void projectionsVariableLengthsFloat64AndOldDevicesTakeTheStandardAlgorithm() {
    RnnConfig small = RnnConfig.lstm(8, 32).build();
    assertEquals(STANDARD, algo(RnnConfig.lstm(8, 32).projSize(16).build(), false, false));
    assertEquals(STANDARD, algo(small, false, true));
    assertEquals(
        STANDARD,
        CudnnRnn.chooseAlgo(small, DType.FLOAT64, MathMode.TF32_ALLOWED, HOPPER, false, false));
    assertEquals(
        STANDARD,
        CudnnRnn.chooseAlgo(small, DType.FLOAT32, MathMode.TF32_ALLOWED, 52, false, false));
  }

  @Test
  void strictFp32AlwaysTakesTheStandardAlgorithm() {
    for (RnnConfig c :
        new RnnConfig[] {
          RnnConfig.lstm(8, 32).build(), RnnConfig.gru(8, 64).build(), RnnConfig.rnn(8, 16).build()
        }) {
      assertEquals(
          STANDARD,
          CudnnRnn.chooseAlgo(c, DType.FLOAT32, MathMode.STRICT_FP32, HOPPER, false, false));
      assertEquals(
          STANDARD,
          CudnnRnn.chooseAlgo(c, DType.FLOAT32, MathMode.STRICT_FP32, HOPPER, true, false));
    }
  }

  private static int algo(RnnConfig config, boolean training, boolean variableLengths) {
    return CudnnRnn.chooseAlgo(
        config, DType.FLOAT32, MathMode.TF32_ALLOWED, HOPPER, training, variableLengths);
  }
}
