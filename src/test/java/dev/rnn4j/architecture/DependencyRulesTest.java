package dev.rnn4j.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layering docs/architecture.md describes, checked on the sources' imports: lower packages never reach
 * up, third-party libraries stay in the packages that own them, only {@code backend.cuda} may import
 * {@code jcuda.*} (JCuda's static initializers load native code, which the CPU path must never do), and
 * only {@code spark} may import Spark, Hadoop or Scala (provided dependencies, absent outside a cluster).
 */
class DependencyRulesTest {
  private static final Path SOURCES = Path.of("src/main/java");
  private static final Pattern IMPORT = Pattern.compile("^import (?:static )?([\\w.]+)", Pattern.MULTILINE);

  /** For each package, the import prefixes it must not use. */
  private static final Map<String, List<String>> FORBIDDEN = Map.ofEntries(
      Map.entry("dev.rnn4j.tensor", List.of("dev.rnn4j.nn", "dev.rnn4j.backend", "dev.rnn4j.io", "dev.rnn4j.cli")),
      Map.entry("dev.rnn4j.internal", List.of("dev.rnn4j.tensor", "dev.rnn4j.nn", "dev.rnn4j.backend",
          "dev.rnn4j.io", "dev.rnn4j.cli")),
      Map.entry("dev.rnn4j.nn", List.of("dev.rnn4j.backend.cpu", "dev.rnn4j.backend.cuda", "dev.rnn4j.io",
          "dev.rnn4j.cli")),
      Map.entry("dev.rnn4j.backend", List.of("dev.rnn4j.backend.cpu", "dev.rnn4j.backend.cuda", "dev.rnn4j.io",
          "dev.rnn4j.cli")),
      Map.entry("dev.rnn4j.backend.cpu", List.of("dev.rnn4j.backend.cuda", "dev.rnn4j.io", "dev.rnn4j.cli")),
      // The CUDA backend implements the SPIs of backend and train, and nothing above them.
      Map.entry("dev.rnn4j.backend.cuda", List.of("dev.rnn4j.backend.cpu", "dev.rnn4j.io", "dev.rnn4j.cli",
          "dev.rnn4j.bench", "dev.rnn4j.spark")),
      Map.entry("dev.rnn4j.io", List.of("dev.rnn4j.backend", "dev.rnn4j.train", "dev.rnn4j.cli")),
      Map.entry("dev.rnn4j.train", List.of("dev.rnn4j.backend.cpu", "dev.rnn4j.backend.cuda", "dev.rnn4j.cli",
          "dev.rnn4j.spark")),
      Map.entry("dev.rnn4j.bench", List.of("dev.rnn4j.backend.cuda", "dev.rnn4j.cli", "dev.rnn4j.spark")),
      // Backends are found through their providers: doctor and --device never name the CUDA classes.
      Map.entry("dev.rnn4j.cli", List.of("dev.rnn4j.backend.cuda")),
      Map.entry("dev.rnn4j.spark", List.of("dev.rnn4j.cli", "dev.rnn4j.bench", "dev.rnn4j.backend.cpu",
          "dev.rnn4j.backend.cuda")));

  @Test
  void packagesOnlyDependDownwards() throws IOException {
    List<String> violations = new ArrayList<>();
    forEachSource((pkg, imports, file) -> {
      for (String imported : imports) {
        for (String banned : FORBIDDEN.getOrDefault(pkg, List.of())) {
          if (imported.startsWith(banned + ".")) {
            violations.add(file + " imports " + imported);
          }
        }
      }
    });
    assertEquals(List.of(), violations);
  }

  @Test
  void librariesStayWithTheirOwners() throws IOException {
    List<String> violations = new ArrayList<>();
    forEachSource((pkg, imports, file) -> {
      for (String imported : imports) {
        if (imported.startsWith("jcuda.") && !pkg.equals("dev.rnn4j.backend.cuda")) {
          violations.add(file + " imports " + imported + " (only dev.rnn4j.backend.cuda may)");
        }
        if (imported.startsWith("picocli.") && !pkg.equals("dev.rnn4j.cli")) {
          violations.add(file + " imports " + imported + " (only dev.rnn4j.cli may)");
        }
        if (imported.startsWith("com.fasterxml.jackson.") && !pkg.equals("dev.rnn4j.io")
            && !pkg.equals("dev.rnn4j.train") && !pkg.equals("dev.rnn4j.bench")) {
          violations.add(file + " imports " + imported
              + " (only dev.rnn4j.io, dev.rnn4j.train and dev.rnn4j.bench may)");
        }
        if (imported.startsWith("org.apache.commons.csv.") && !pkg.equals("dev.rnn4j.train")) {
          violations.add(file + " imports " + imported + " (only dev.rnn4j.train may)");
        }
        if (imported.startsWith("org.jfree.") && !pkg.equals("dev.rnn4j.cli")) {
          violations.add(file + " imports " + imported + " (only dev.rnn4j.cli may)");
        }
        if ((imported.startsWith("org.apache.spark.") || imported.startsWith("org.apache.hadoop.")
            || imported.startsWith("scala.")) && !pkg.equals("dev.rnn4j.spark")) {
          violations.add(file + " imports " + imported + " (only dev.rnn4j.spark may: Spark is a provided "
              + "dependency, absent outside a cluster)");
        }
        if (imported.startsWith("dev.ludovic.netlib.")) {
          violations.add(file + " imports " + imported + " (the CPU backend computes its own products; netlib "
              + "is a test dependency, for the benchmarks' comparison)");
        }
      }
    });
    assertEquals(List.of(), violations);
  }

  private interface SourceVisitor {
    void visit(String pkg, List<String> imports, Path file);
  }

  private static void forEachSource(SourceVisitor visitor) throws IOException {
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        String text = Files.readString(file);
        String pkg = SOURCES.relativize(file.getParent()).toString().replace('/', '.');
        List<String> imports = new ArrayList<>();
        Matcher m = IMPORT.matcher(text);
        while (m.find()) {
          imports.add(m.group(1));
        }
        visitor.visit(pkg, imports, file);
      }
    }
  }
}
