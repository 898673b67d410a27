package dev.rnn4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.DType;
import dev.rnn4j.io.Safetensors;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.FixturePass;
import dev.rnn4j.testing.Fixtures;
import dev.rnn4j.testing.Fixtures.FixtureCase;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The CPU backend's float32 results on every float32 backward fixture against the CUDA backend's,
 * as a GPU run recorded them ({@code fixtures/cuda-f32/<run>/}, written by {@code
 * CudaParityGpuTest} with {@code -Drnn4j.gpu.dump}; its manifest names the GPU, cuDNN and commit):
 * the CPU's side of the GPU parity bar, 1e-5 absolute on outputs, states and every gradient, held
 * in every build, where no GPU is. A change to the CPU's float32 arithmetic that moves it away from
 * cuDNN's fails here before it reaches a GPU.
 */
class RecordedCudaResultsTest {
  private static final double ATOL = 1e-5;

  @TestFactory
  Stream<DynamicTest> cpuFloat32ResultsLieWithin1e5OfTheRecordedCudaResults() throws IOException {
    Path run = recordedRun();
    return float32Cases().stream()
        .map(
            c ->
                dynamicTest(
                    c.id(),
                    () -> {
                      SafetensorsFile recorded =
                          Safetensors.read(run.resolve(c.id() + ".safetensors"));
                      FixturePass.Results cpu =
                          FixturePass.backward(c).run(DType.FLOAT32, Backends.cpu());
                      assertWithin(c.id() + " value.", cpu.values(), recorded, "value.");
                      assertWithin(c.id() + " grad.", cpu.grads(), recorded, "grad.");
                    }));
  }

  @Test
  void theRecordingCoversEveryFloat32BackwardFixture() throws IOException {
    JsonNode manifest =
        new ObjectMapper().readTree(recordedRun().resolve("manifest.json").toFile());
    assertEquals(
        "backward/" + Fixtures.root("backward").getFileName(),
        manifest.get("fixtures").asText(),
        "the recording was made on other fixtures: record the new ones on a GPU (native-test/run.sh writes "
            + "gpu-f32/)");
    List<String> recorded = new ArrayList<>();
    manifest.get("cases").forEach(n -> recorded.add(n.asText()));
    assertEquals(float32Cases().stream().map(FixtureCase::id).sorted().toList(), recorded);
  }

  private static void assertWithin(
      String what, List<Tensor> cpu, SafetensorsFile recorded, String prefix) {
    for (int t = 0; t < cpu.size(); t++) {
      Tensor a = cpu.get(t);
      Tensor b = recorded.tensor(prefix + t);
      assertArrayEquals(b.shape(), a.shape(), what + t + " shape");
      double worst = 0;
      int at = 0;
      for (int i = 0; i < a.numel(); i++) {
        double e = Math.abs(a.getFlat(i) - b.getFlat(i));
        if (!(e <= worst)) {
          worst = e;
          at = i;
        }
      }
      assertTrue(
          worst <= ATOL,
          String.format(
              "%s%d: |cpu - cuda| = %.3g at element %d (cpu %.9g, cuda %.9g) " + "> 1e-5",
              what, t, worst, at, a.getFlat(at), b.getFlat(at)));
    }
  }

  private static List<FixtureCase> float32Cases() throws IOException {
    List<FixtureCase> cases = new ArrayList<>();
    for (FixtureCase c : Fixtures.cases("backward")) {
      if (FixturePass.backward(c).float32()) {
        cases.add(c);
      }
    }
    return cases;
  }

  /** The newest recorded run (folders sort by name). */
  private static Path recordedRun() throws IOException {
    try (Stream<Path> runs =
        Files.list(
            Paths.get(RecordedCudaResultsTest.class.getResource("/fixtures/cuda-f32").toURI()))) {
      return runs.filter(Files::isDirectory).max(Path::compareTo).orElseThrow();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
