package dev.rnn4j.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.nn.SequenceModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The device-tensor issue's contract: the program in {@code
 * src/test/resources/contract/ContractExample.java} compiles as written against the library alone,
 * runs on the CPU, and its loss falls; README's Java section shows the same program, character for
 * character.
 */
@Tag("integration")
@Tag("docs")
class ContractExampleTest {
  private static final Path SOURCE = Path.of("src/test/resources/contract/ContractExample.java");
  private static final Pattern STEP = Pattern.compile("step (\\d+) loss (\\d+\\.\\d{4})");

  @Test
  void theProgramCompilesRunsOnTheCpuAndItsLossFalls(@TempDir Path out) throws Exception {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    // The library's classes only: what a project depending on rnn4j compiles against.
    String library =
        Paths.get(SequenceModel.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            .toString();
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int rc =
        javac.run(
            null,
            null,
            diagnostics,
            "-d",
            out.toString(),
            "-cp",
            library,
            "-Xlint:all",
            SOURCE.toString());
    assertEquals(0, rc, diagnostics.toString(StandardCharsets.UTF_8));

    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream original = System.out;
    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {out.toUri().toURL()}, getClass().getClassLoader())) {
      Method main = loader.loadClass("ContractExample").getMethod("main", String[].class);
      System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
      main.invoke(null, (Object) new String[] {"cpu"});
    } finally {
      System.setOut(original);
    }
    List<Double> losses = new ArrayList<>();
    Matcher m = STEP.matcher(printed.toString(StandardCharsets.UTF_8));
    while (m.find()) {
      assertEquals(10 * losses.size(), Integer.parseInt(m.group(1)));
      losses.add(Double.parseDouble(m.group(2)));
    }
    assertEquals(6, losses.size(), printed.toString(StandardCharsets.UTF_8));
    // Five classes: ln 5 = 1.609 at the start; the label is in the input, so the loss must fall
    // far.
    assertTrue(losses.get(0) > 1.3, "the first loss is chance level: " + losses);
    assertTrue(losses.get(5) < 0.5 * losses.get(0), "the loss falls: " + losses);
  }

  @Test
  void readmeShowsTheProgramAsWritten() throws Exception {
    String program = Files.readString(SOURCE);
    String readme = Files.readString(Path.of("README.md"));
    assertTrue(
        readme.contains("```java\n" + program + "```"),
        "README.md's Java section must show src/test/resources/contract/ContractExample.java"
            + " verbatim");
  }
}
