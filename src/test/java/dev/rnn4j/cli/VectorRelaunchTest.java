package dev.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The relaunched JVM's standard error reaches the user without the JVM's incubator warning. */
class VectorRelaunchTest {

  private static String copy(String childStderr) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    VectorRelaunch.copyWithoutWarning(
        new ByteArrayInputStream(childStderr.getBytes(StandardCharsets.UTF_8)),
        new PrintStream(out, true, StandardCharsets.UTF_8));
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void dropsOnlyTheIncubatorWarningOnTheFirstLine() {
    assertEquals(
        "WARN Backends - x\nepoch 1\r\n",
        copy(
            "WARNING: Using incubator modules: jdk.incubator.vector\nWARN Backends - x\nepoch 1\r\n"));
    assertEquals("rnn4j forward: bad\n", copy("rnn4j forward: bad\n"));
    assertEquals(
        "progress\rmore\rWARNING: Using incubator modules later\n",
        copy("progress\rmore\rWARNING: Using incubator modules later\n"));
    assertEquals("", copy(""));
  }

  @Test
  void theTestJvmHasTheModuleSoNothingRelaunches() {
    assertEquals(false, VectorRelaunch.wanted());
  }
}
