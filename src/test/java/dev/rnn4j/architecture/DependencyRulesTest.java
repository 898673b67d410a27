package dev.rnn4j.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layering docs/architecture.md describes, checked on the sources' imports: each package
 * imports only the rnn4j packages its allow-list names, the allow-list has no cycles, third-party
 * libraries stay in the packages that own them, only {@code backend.cuda} may import {@code
 * jcuda.*} (JCuda's static initializers load native code, which the CPU path must never do), and
 * only {@code spark} may import Spark, Hadoop or Scala (provided dependencies, absent outside a
 * cluster).
 */
class DependencyRulesTest {
  private static final Path SOURCES = Path.of("src/main/java");
  private static final Pattern IMPORT =
      Pattern.compile("^import (?:static )?([\\w.]+)", Pattern.MULTILINE);

  /**
   * For each package, the rnn4j packages it may import (an allow-list: a new package or a new edge
   * is a decision, made here and in docs/architecture.md). Lowest layer first.
   */
  private static final Map<String, List<String>> ALLOWED =
      Map.ofEntries(
          Map.entry("dev.rnn4j.internal", List.of()),
          Map.entry("dev.rnn4j.spec", List.of()),
          Map.entry("dev.rnn4j.backend", List.of("dev.rnn4j.spec", "dev.rnn4j.internal")),
          Map.entry(
              "dev.rnn4j.backend.cpu",
              List.of("dev.rnn4j.backend", "dev.rnn4j.spec", "dev.rnn4j.internal")),
          Map.entry(
              "dev.rnn4j.backend.cuda",
              List.of("dev.rnn4j.backend", "dev.rnn4j.spec", "dev.rnn4j.internal")),
          Map.entry("dev.rnn4j.tensor", List.of("dev.rnn4j.backend", "dev.rnn4j.internal")),
          Map.entry(
              "dev.rnn4j.nn",
              List.of(
                  "dev.rnn4j.tensor", "dev.rnn4j.backend", "dev.rnn4j.spec", "dev.rnn4j.internal")),
          Map.entry(
              "dev.rnn4j.io",
              List.of(
                  "dev.rnn4j.tensor",
                  "dev.rnn4j.nn",
                  "dev.rnn4j.backend",
                  "dev.rnn4j.spec",
                  "dev.rnn4j.internal")),
          Map.entry(
              "dev.rnn4j.train",
              List.of(
                  "dev.rnn4j.tensor",
                  "dev.rnn4j.nn",
                  "dev.rnn4j.io",
                  "dev.rnn4j.backend",
                  "dev.rnn4j.spec",
                  "dev.rnn4j.internal")),
          Map.entry(
              "dev.rnn4j.bench",
              List.of(
                  "dev.rnn4j.tensor",
                  "dev.rnn4j.nn",
                  "dev.rnn4j.train",
                  "dev.rnn4j.backend",
                  "dev.rnn4j.backend.cpu",
                  "dev.rnn4j.spec",
                  "dev.rnn4j.internal")),
          Map.entry(
              "dev.rnn4j.spark",
              List.of(
                  "dev.rnn4j.tensor",
                  "dev.rnn4j.nn",
                  "dev.rnn4j.io",
                  "dev.rnn4j.train",
                  "dev.rnn4j.backend",
                  "dev.rnn4j.backend.cpu",
                  "dev.rnn4j.spec",
                  "dev.rnn4j.internal")),
          // Backends are found through their providers: doctor and --device never name the CUDA
          // classes.
          Map.entry(
              "dev.rnn4j.cli",
              List.of(
                  "dev.rnn4j.tensor",
                  "dev.rnn4j.nn",
                  "dev.rnn4j.io",
                  "dev.rnn4j.train",
                  "dev.rnn4j.bench",
                  "dev.rnn4j.backend",
                  "dev.rnn4j.backend.cpu",
                  "dev.rnn4j.spec",
                  "dev.rnn4j.internal")));

  @Test
  void packagesImportOnlyWhatTheyAreAllowed() throws IOException {
    List<String> violations = new ArrayList<>();
    forEachSource(
        (pkg, imports, file) -> {
          if (!ALLOWED.containsKey(pkg)) {
            violations.add(file + " is in " + pkg + ", which the allow-list does not know");
            return;
          }
          for (String imported : imports) {
            String target = rnn4jPackage(imported);
            if (target != null && !target.equals(pkg) && !ALLOWED.get(pkg).contains(target)) {
              violations.add(
                  file
                      + " imports "
                      + imported
                      + " ("
                      + pkg
                      + " may import "
                      + ALLOWED.get(pkg)
                      + ")");
            }
          }
        });
    assertEquals(List.of(), violations);
  }

  @Test
  void theAllowListHasNoCycles() {
    Map<String, Integer> state = new HashMap<>();
    for (String pkg : ALLOWED.keySet()) {
      assertEquals(List.of(), cycleFrom(pkg, state, new ArrayList<>()), "a cycle through " + pkg);
    }
  }

  /** Depth-first search: the cycle found from {@code pkg}, or an empty list. */
  private static List<String> cycleFrom(String pkg, Map<String, Integer> state, List<String> path) {
    Integer s = state.get(pkg);
    if (s != null && s == 2) {
      return List.of();
    }
    path.add(pkg);
    if (s != null && s == 1) {
      return List.copyOf(path.subList(path.indexOf(pkg), path.size()));
    }
    state.put(pkg, 1);
    for (String next : ALLOWED.getOrDefault(pkg, List.of())) {
      List<String> cycle = cycleFrom(next, state, path);
      if (!cycle.isEmpty()) {
        return cycle;
      }
    }
    state.put(pkg, 2);
    path.remove(path.size() - 1);
    return List.of();
  }

  /**
   * The rnn4j package an import names (a class's package, or a static import's class's), else null.
   */
  private static String rnn4jPackage(String imported) {
    if (!imported.startsWith("dev.rnn4j.")) {
      return null;
    }
    String[] parts = imported.split("\\.");
    StringBuilder pkg = new StringBuilder();
    for (String part : parts) {
      if (Character.isUpperCase(part.charAt(0))) {
        break;
      }
      pkg.append(pkg.length() == 0 ? "" : ".").append(part);
    }
    return pkg.toString();
  }

  @Test
  void librariesStayWithTheirOwners() throws IOException {
    List<String> violations = new ArrayList<>();
    forEachSource(
        (pkg, imports, file) -> {
          for (String imported : imports) {
            if (imported.startsWith("jcuda.") && !pkg.equals("dev.rnn4j.backend.cuda")) {
              violations.add(file + " imports " + imported + " (only dev.rnn4j.backend.cuda may)");
            }
            if (imported.startsWith("picocli.") && !pkg.equals("dev.rnn4j.cli")) {
              violations.add(file + " imports " + imported + " (only dev.rnn4j.cli may)");
            }
            if (imported.startsWith("com.fasterxml.jackson.")
                && !pkg.equals("dev.rnn4j.io")
                && !pkg.equals("dev.rnn4j.train")
                && !pkg.equals("dev.rnn4j.bench")) {
              violations.add(
                  file
                      + " imports "
                      + imported
                      + " (only dev.rnn4j.io, dev.rnn4j.train and dev.rnn4j.bench may)");
            }
            if (imported.startsWith("org.apache.commons.csv.") && !pkg.equals("dev.rnn4j.train")) {
              violations.add(file + " imports " + imported + " (only dev.rnn4j.train may)");
            }
            if (imported.startsWith("org.jfree.") && !pkg.equals("dev.rnn4j.cli")) {
              violations.add(file + " imports " + imported + " (only dev.rnn4j.cli may)");
            }
            if ((imported.startsWith("org.apache.spark.")
                    || imported.startsWith("org.apache.hadoop.")
                    || imported.startsWith("scala."))
                && !pkg.equals("dev.rnn4j.spark")) {
              violations.add(
                  file
                      + " imports "
                      + imported
                      + " (only dev.rnn4j.spark may: Spark is a provided "
                      + "dependency, absent outside a cluster)");
            }
            if (imported.startsWith("dev.ludovic.netlib.")) {
              violations.add(
                  file
                      + " imports "
                      + imported
                      + " (the CPU backend computes its own products; netlib "
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
