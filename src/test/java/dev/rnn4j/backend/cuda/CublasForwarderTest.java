package dev.rnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import jcuda.JCudaVersion;
import jcuda.NativePointerObject;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cuBLAS forwarder: its generated sources, its build against a fake {@code libcublas.so.13}
 * (built here with gcc), and, where one exists, against the real one. The checks that run a loaded
 * forwarder run in child processes, so that this JVM never holds a library named {@code
 * libcublas.so.12}. Tagged {@code native} so that {@code native-test/run.sh} runs them on the GPU
 * machine too.
 */
@Tag("native")
class CublasForwarderTest {
  /**
   * What the fake cuBLAS exports: a few functions of the import list, with recognizable results.
   */
  private static final String FAKE_CUBLAS =
      """
      int cublasGetVersion_v2(void *handle, int *version) { *version = 130000; return 0; }
      int cublasGetProperty(int type, int *value) { *value = 13; return 0; }
      int cublasCreate_v2(void **handle) { *handle = (void *) 0; return 0; }
      int cublasDestroy_v2(void *handle) { return 0; }
      """;

  private static final List<String> FAKE_FUNCTIONS =
      List.of("cublasCreate_v2", "cublasDestroy_v2", "cublasGetProperty", "cublasGetVersion_v2");

  /**
   * A library in the JNI library's position: it needs libcublas.so.12 and has no RUNPATH to find
   * it.
   */
  private static final String CONSUMER =
      """
      #include <stdio.h>
      int cublasGetProperty(int type, int *value);
      __attribute__((constructor)) static void report(void) {
        int major = -1;
        int status = cublasGetProperty(0, &major);  /* 0: MAJOR_VERSION */
        printf("cublasGetProperty status %d major %d\\n", status, major);
        fflush(stdout);
      }
      """;

  @TempDir Path tmp;

  @Test
  void importsResourceListsWhatTheJniLibraryImports() throws Exception {
    assumeTrue(hasTool("readelf"), "no readelf on this machine");
    Path so = jniLibrary();
    List<String> imported = new ArrayList<>();
    for (String line : run(tmp, "readelf", "--dyn-syms", "-W", so.toString()).split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 8 && f[6].equals("UND") && f[7].endsWith("@libcublas.so.12")) {
        imported.add(f[7].substring(0, f[7].indexOf('@')));
      }
    }
    assertEquals(
        imported.stream().sorted().distinct().toList(),
        CublasForwarder.imports(),
        "cublas12-imports.txt is stale: run native-test/cublas-imports.sh");
  }

  @Test
  void generatedSourcesAreDeterministicAndCoverEveryImport() {
    SortedMap<String, String> all = new TreeMap<>();
    CublasForwarder.imports().forEach(f -> all.put(f, "libcublas.so.13"));
    String assembly = CublasForwarder.assembly(all);
    String script = CublasForwarder.versionScript(all.keySet());
    assertEquals(assembly, CublasForwarder.assembly(new TreeMap<>(all)));
    assertEquals(script, CublasForwarder.versionScript(all.keySet()));
    assertTrue(
        CublasForwarder.imports().size() > 400, "imports: " + CublasForwarder.imports().size());
    for (String f : CublasForwarder.imports()) {
      assertTrue(assembly.contains("\n" + f + ":\n\tjmp rnn4j_cublas13_" + f + "@PLT\n"), f);
      assertTrue(
          assembly.contains("\t.symver rnn4j_cublas13_" + f + ", " + f + "@libcublas.so.13\n"), f);
      assertTrue(script.contains("\n    " + f + ";\n"), f);
    }
    assertTrue(script.startsWith("libcublas.so.12 {\n  global:\n"), script.substring(0, 40));
    assertTrue(script.endsWith("  local:\n    *;\n};\n"));
  }

  @Test
  void versionScriptIsExactForTwoFunctions() {
    assertEquals(
        "libcublas.so.12 {\n  global:\n    cublasA;\n    cublasB;\n  local:\n    *;\n};\n",
        CublasForwarder.versionScript(List.of("cublasA", "cublasB")));
  }

  @Test
  void missingLibraryIsReportedByPath() {
    Path missing = tmp.resolve("libcublas.so.13");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> CublasForwarder.build(missing, tmp));
    assertEquals("cuBLAS 13 library " + missing + ": no such file", e.getMessage());
  }

  @Test
  void forwardsToFakeCublas13() throws Exception {
    assumeTrue(hasTool("gcc"), "no gcc on this machine");
    Path fake = fakeCublas13();
    Path out = tmp.resolve("out");
    CublasForwarder forwarder = CublasForwarder.build(fake, out);

    assertEquals(CublasForwarder.SONAME, forwarder.library().getFileName().toString());
    assertEquals(fake.toRealPath(), forwarder.target());
    List<String> expectedUnresolved = new ArrayList<>(CublasForwarder.imports());
    expectedUnresolved.removeAll(FAKE_FUNCTIONS);
    assertEquals(expectedUnresolved, forwarder.unresolved());
    assertEquals(
        FAKE_FUNCTIONS,
        List.copyOf(CublasForwarder.exportedFunctions(forwarder.library()).keySet()));
    assertEquals(Map.of("libcublas.so.12", 4), versionCounts(forwarder.library()));

    String dynamic = run(tmp, "readelf", "-d", forwarder.library().toString());
    assertTrue(dynamic.contains("Library soname: [libcublas.so.12]"), dynamic);
    assertTrue(dynamic.contains("Shared library: [libcublas.so.13]"), dynamic);
    assertTrue(dynamic.contains("[" + fake.getParent().toRealPath() + "]"), dynamic);
    String versions = run(tmp, "readelf", "-V", forwarder.library().toString());
    assertTrue(versions.contains("Name: libcublas.so.12"), versions);
    assertTrue(versions.contains("File: libcublas.so.13"), versions);

    // Built once: a second build with the same inputs returns the same file untouched.
    long modified = Files.getLastModifiedTime(forwarder.library()).toMillis();
    CublasForwarder again = CublasForwarder.build(fake, out);
    assertEquals(forwarder.library(), again.library());
    assertEquals(modified, Files.getLastModifiedTime(again.library()).toMillis());
    try (var entries = Files.list(out)) {
      assertEquals(1, entries.count(), "one build folder, no leftovers");
    }

    // A program linked against the forwarder reaches the fake's functions.
    Path program = tmp.resolve("getversion");
    Files.writeString(
        tmp.resolve("getversion.c"),
        """
        #include <stdio.h>
        int cublasGetVersion_v2(void *handle, int *version);
        int main(void) {
          int version = 0;
          int status = cublasGetVersion_v2(0, &version);
          printf("status %d version %d\\n", status, version);
          return 0;
        }
        """);
    Path dir = forwarder.library().getParent();
    run(
        tmp,
        "gcc",
        "-o",
        program.toString(),
        "getversion.c",
        "-L" + dir,
        "-l:libcublas.so.12",
        "-Wl,-rpath," + dir);
    assertEquals("status 0 version 130000", run(tmp, program.toString()).strip());

    // In a JVM, load() makes a later library that needs libcublas.so.12 (without any path to it)
    // load, and so does JCublas2's JNI library, whose imports carry the version libcublas.so.12.
    Path consumer = consumer(forwarder);
    assertEquals(
        "cublasGetProperty status 0 major 13",
        runJvm(fake, out, consumer, jniLibrary()).strip().lines().reduce((a, b) -> b).orElse(""));
  }

  @Test
  void forwardsToRealCublas13() throws Exception {
    Optional<Path> cublas13 = CublasForwarder.findCublas13();
    assumeTrue(cublas13.isPresent(), "no libcublas.so.13 on this machine");
    assumeTrue(hasTool("gcc"), "no gcc on this machine");
    Path out = tmp.resolve("out");
    CublasForwarder forwarder = CublasForwarder.build(cublas13.get(), out);
    System.out.println(forwarder);
    assertTrue(
        forwarder.unresolved().size() < CublasForwarder.imports().size() / 2,
        forwarder.unresolved().size()
            + " of "
            + CublasForwarder.imports().size()
            + " imports unresolved");
    assertFalse(forwarder.unresolved().contains("cublasGetProperty"));
    String output = runJvm(cublas13.get(), out, consumer(forwarder), jniLibrary());
    assertTrue(output.contains("cublasGetProperty status 0 major 13"), output);
  }

  /** JCublas2's JNI library, copied out of the jcublas-natives jar. */
  private Path jniLibrary() throws IOException {
    String name = "lib/libJCublas2-" + JCudaVersion.get() + "-linux-x86_64.so";
    Path so = tmp.resolve(name.substring("lib/".length()));
    if (!Files.exists(so)) {
      try (InputStream in = CublasForwarderTest.class.getClassLoader().getResourceAsStream(name)) {
        assertTrue(in != null, name + " is not on the test classpath (jcublas-natives)");
        Files.copy(in, so);
      }
    }
    return so;
  }

  private Path fakeCublas13() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("fake"));
    Files.writeString(dir.resolve("fake.c"), FAKE_CUBLAS);
    Files.writeString(dir.resolve("fake.map"), "libcublas.so.13 {\n  global:\n    *;\n};\n");
    run(
        dir,
        "gcc",
        "-shared",
        "-fPIC",
        "-o",
        "libcublas.so.13",
        "fake.c",
        "-Wl,-soname,libcublas.so.13",
        "-Wl,--version-script=fake.map");
    return dir.resolve("libcublas.so.13");
  }

  private Path consumer(CublasForwarder forwarder) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("consumer"));
    Files.writeString(dir.resolve("consumer.c"), CONSUMER);
    run(
        dir,
        "gcc",
        "-shared",
        "-fPIC",
        "-o",
        "libconsumer.so",
        "consumer.c",
        "-L" + forwarder.library().getParent(),
        "-l:libcublas.so.12");
    String dynamic = run(dir, "readelf", "-d", "libconsumer.so");
    assertFalse(dynamic.contains("RUNPATH") || dynamic.contains("RPATH"), dynamic);
    return dir.resolve("libconsumer.so");
  }

  /** Runs {@link LoadCheck} in a fresh JVM and returns its output. */
  private String runJvm(Path cublas13, Path out, Path... libraries) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // JCublas2's JNI_OnLoad looks up JCuda's classes.
                "-cp",
                String.join(
                    File.pathSeparator,
                    codeSource(LoadCheck.class),
                    codeSource(CublasForwarder.class),
                    codeSource(NativePointerObject.class)),
                LoadCheck.class.getName(),
                cublas13.toString(),
                out.toString()));
    for (Path library : libraries) {
      command.add(library.toString());
    }
    return run(tmp, command.toArray(String[]::new));
  }

  /**
   * Where a class was loaded from. The child JVM's class path is built from these rather than from
   * {@code java.class.path}, which JUnit's console launcher leaves without the tests.
   */
  private static String codeSource(Class<?> c) throws URISyntaxException {
    return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
  }

  /** How many of a library's defined functions each symbol version holds. */
  private static Map<String, Integer> versionCounts(Path library) throws IOException {
    Map<String, Integer> counts = new TreeMap<>();
    CublasForwarder.exportedFunctions(library)
        .values()
        .forEach(v -> counts.merge(v, 1, Integer::sum));
    return counts;
  }

  private static boolean hasTool(String tool) {
    try {
      Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Runs a command in {@code dir} and returns its output; fails the test with the output when it
   * exits non-zero. LD_LIBRARY_PATH is removed, so that the cuBLAS folders run.sh puts there cannot
   * stand in for the libraries under test.
   */
  private static String run(Path dir, String... command) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().remove("LD_LIBRARY_PATH");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", command) + " timed out");
    assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + out);
    return out;
  }

  /**
   * The child JVM: builds (reusing the cache) and loads the forwarder, then the given libraries.
   */
  static final class LoadCheck {
    public static void main(String[] args) throws IOException {
      CublasForwarder.build(Path.of(args[0]), Path.of(args[1])).load();
      for (int i = 2; i < args.length; i++) {
        System.load(Path.of(args[i]).toAbsolutePath().toString());
      }
    }
  }
}
