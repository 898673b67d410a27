package dev.rnn4j.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.DocumentationTool;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every public type and member of the API packages has a comment. The javadoc build ({@code mvn
 * verify}, and {@code mvn javadoc:javadoc}) checks references and HTML with doclint but not missing
 * comments, because doclint's "missing" group also demands an {@code @param} for every parameter;
 * this test runs javadoc's doclint on the same packages and fails on any missing comment. The API
 * packages are those the pom's javadoc configuration does not exclude.
 */
@Tag("integration")
@Tag("docs")
class ApiJavadocTest {
  private static final Path SOURCES = Path.of("src/main/java");
  private static final Pattern EXCLUDED =
      Pattern.compile("<excludePackageNames>([^<]*)</excludePackageNames>");

  @Test
  void everyPublicElementOfTheApiPackagesHasAComment(@TempDir Path out) throws IOException {
    Set<String> excluded = excludedPackages();
    List<Path> files = new ArrayList<>();
    Set<String> packages = new TreeSet<>();
    try (Stream<Path> walk = Files.walk(SOURCES)) {
      for (Path file : walk.filter(p -> p.toString().endsWith(".java")).toList()) {
        String pkg = SOURCES.relativize(file.getParent()).toString().replace('/', '.');
        if (!excluded.contains(pkg)) {
          files.add(file);
          packages.add(pkg);
        }
      }
    }
    assertTrue(packages.contains("dev.rnn4j.nn"), packages::toString);

    DocumentationTool javadoc = ToolProvider.getSystemDocumentationTool();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager fileManager =
        javadoc.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8)) {
      List<String> options =
          List.of(
              "-Xdoclint:missing",
              "-Xmaxwarns",
              "100000",
              "-quiet",
              "-d",
              out.toString(),
              "-classpath",
              System.getProperty("java.class.path"),
              "-sourcepath",
              SOURCES.toString());
      Boolean ok =
          javadoc
              .getTask(
                  new StringWriter(),
                  fileManager,
                  diagnostics,
                  null,
                  options,
                  fileManager.getJavaFileObjectsFromPaths(files))
              .call();
      List<String> missing =
          diagnostics.getDiagnostics().stream()
              .filter(d -> d.getKind() == Diagnostic.Kind.WARNING)
              .filter(d -> d.getMessage(null).contains("no comment"))
              .map(d -> d.getSource().getName() + ":" + d.getLineNumber())
              .collect(Collectors.toList());
      assertEquals(List.of(), missing, "public elements of the API packages without a comment");
      assertTrue(ok, () -> diagnostics.getDiagnostics().toString());
    }
  }

  private static Set<String> excludedPackages() throws IOException {
    Matcher m = EXCLUDED.matcher(Files.readString(Path.of("pom.xml")));
    assertTrue(m.find(), "pom.xml configures no excludePackageNames for javadoc");
    return Set.of(m.group(1).trim().split(":"));
  }
}
