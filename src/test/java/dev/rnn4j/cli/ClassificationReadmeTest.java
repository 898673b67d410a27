package dev.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README's classification section states a command and the accuracy it reaches on the shipped
 * digits, beside the majority-class baseline: this test runs that command as written and checks the
 * run's summary line against those figures. Training is deterministic at a given thread count
 * (weight gradients sum block by block), so the run gets a fresh JVM with two processors, the
 * machine the figures were measured on.
 */
@Tag("integration")
@Tag("cli")
class ClassificationReadmeTest {
  private static final Pattern SECTION = Pattern.compile("(?s)### Classification\n(.*?)\n## ");
  private static final Pattern COMMAND =
      Pattern.compile("```\njava -jar target/rnn4j\\.jar (train --task classification[^\n]*)\n```");
  private static final Pattern FIGURES =
      Pattern.compile(
          "validation accuracy of (\\S+) \\(macro-F1 (\\S+); best (\\S+) at epoch (\\d+)\\) on \\d+"
              + " held-out images,\\s+where always answering the majority class \\((\\S+)\\) scores"
              + " (\\d\\.\\d+)");

  @Test
  void theReadmeCommandReachesTheAccuracyTheReadmeStates(@TempDir Path out)
      throws IOException, InterruptedException {
    Matcher section = SECTION.matcher(Files.readString(Path.of("README.md")));
    assertTrue(section.find(), "README.md has no '### Classification' section");
    Matcher command = COMMAND.matcher(section.group(1));
    assertTrue(command.find(), "the classification section shows no train command");
    Matcher figures = FIGURES.matcher(section.group(1));
    assertTrue(figures.find(), "the classification section states no accuracy figures");

    List<String> java = new ArrayList<>();
    java.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    java.add("-XX:ActiveProcessorCount=2");
    java.add("--add-modules=jdk.incubator.vector");
    java.add("-Drnn4j.relaunch=false");
    java.add("-cp");
    java.add(System.getProperty("java.class.path"));
    java.add(Main.class.getName());
    java.addAll(Arrays.asList(command.group(1).split(" ")));
    java.addAll(List.of("--device", "cpu", "--out", out.toString()));
    Process p = new ProcessBuilder(java).redirectErrorStream(true).start();
    String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), printed);

    String expected =
        String.format(
            "validation accuracy: best %s (epoch %s), final %s, final macro-F1 %s;"
                + " majority class (%s) %s",
            figures.group(3),
            figures.group(4),
            figures.group(1),
            figures.group(2),
            figures.group(5),
            figures.group(6));
    assertTrue(
        printed.lines().anyMatch(expected::equals), () -> expected + "\nnot in:\n" + printed);
  }
}
