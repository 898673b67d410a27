package dev.rnn4j.determinism;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The CPU backend's float32 results are the same bits in every JVM: {@link DeterminismProbe}'s
 * forward passes, backward passes and three epochs of training, run in fresh JVMs in the
 * interpreter, with C1 alone and with the default tiers, each with and without the Vector API's
 * module, on two processors. The arithmetic of every value is rnn4j's (fused multiply-adds in a
 * fixed order, its own exp and tanh), not the JIT's.
 */
@Tag("integration")
class DeterminismTest {
  private static final List<String> TIERS = List.of("-Xint", "-XX:TieredStopAtLevel=1", "-Xmixed");

  @Test
  void everyTierAndPathGivesTheSameBits() throws Exception {
    Map<String, String> digests = new LinkedHashMap<>();
    for (String tier : TIERS) {
      for (boolean vector : new boolean[] {true, false}) {
        String name = tier + (vector ? " with" : " without") + " jdk.incubator.vector";
        digests.put(name, run(tier, vector));
      }
    }
    String first = digests.values().iterator().next();
    assertTrue(first.matches("[0-9a-f]{64}"), "a digest: " + first);
    for (Map.Entry<String, String> e : digests.entrySet()) {
      assertEquals(first, e.getValue(), e.getKey() + " differs; all: " + digests);
    }
  }

  private static String run(String tier, boolean vector) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add(tier);
    command.add("-XX:ActiveProcessorCount=2");
    if (vector) {
      command.add("--add-modules");
      command.add("jdk.incubator.vector");
    }
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(DeterminismProbe.class.getName());
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), tier + ": still running after 5 minutes");
    assertEquals(0, p.exitValue(), tier + " exited with " + p.exitValue() + ": " + output);
    String[] lines = output.strip().split("\n");
    return lines[lines.length - 1].strip();
  }
}
