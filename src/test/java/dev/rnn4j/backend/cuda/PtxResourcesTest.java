package dev.rnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed PTX as the launcher and old drivers need it, checked without CUDA: headers a CUDA
 * 11+ driver can JIT, exactly the entry points {@link CudaKernels} resolves, and sources that still
 * hash to what kernels/manifest.json recorded when the PTX was generated.
 */
class PtxResourcesTest {
  private static final Path KERNELS = Path.of("kernels");
  private static final Pattern VERSION =
      Pattern.compile("^\\.version (\\d+)\\.(\\d+)$", Pattern.MULTILINE);
  private static final Pattern ENTRY =
      Pattern.compile("^\\.visible \\.entry (\\w+)\\(", Pattern.MULTILINE);

  @Test
  void headersSuitTheOldestSupportedDriver() throws IOException {
    for (String resource : CudaKernels.resources()) {
      String ptx = read(resource);
      Matcher version = VERSION.matcher(ptx);
      assertTrue(version.find(), resource + " has no .version line");
      int major = Integer.parseInt(version.group(1));
      int minor = Integer.parseInt(version.group(2));
      assertTrue(
          major < 8 || (major == 8 && minor == 0),
          resource + ": expected .version <= 8.0, got " + major + "." + minor);
      assertTrue(!version.find(), resource + " has more than one .version line");
      assertTrue(
          Pattern.compile("^\\.target sm_75$", Pattern.MULTILINE).matcher(ptx).find(),
          resource + ": expected .target sm_75");
      assertTrue(
          Pattern.compile("^\\.address_size 64$", Pattern.MULTILINE).matcher(ptx).find(),
          resource + ": expected .address_size 64");
    }
  }

  @Test
  void entryPointsAreExactlyTheLaunchersOnes() throws IOException {
    for (String resource : CudaKernels.resources()) {
      assertEquals(CudaKernels.entryPoints(resource), entries(read(resource)), resource);
    }
  }

  @Test
  void sourcesMatchTheManifest() throws IOException, NoSuchAlgorithmException {
    JsonNode manifest = new ObjectMapper().readTree(KERNELS.resolve("manifest.json").toFile());
    JsonNode files = manifest.get("files");
    List<String> sources;
    try (Stream<Path> list = Files.list(KERNELS)) {
      sources =
          list.map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".cu"))
              .sorted()
              .toList();
    }
    List<String> recorded = new ArrayList<>();
    files.fieldNames().forEachRemaining(recorded::add);
    assertEquals(
        sources, recorded.stream().sorted().toList(), "kernels/*.cu against manifest.json");
    List<String> ptxFiles = new ArrayList<>();
    for (String source : sources) {
      JsonNode entry = files.get(source);
      String sha =
          HexFormat.of()
              .formatHex(
                  MessageDigest.getInstance("SHA-256")
                      .digest(Files.readAllBytes(KERNELS.resolve(source))));
      assertEquals(
          entry.get("sha256").asText(),
          sha,
          "kernels/"
              + source
              + " changed since its PTX was generated: run kernels/generate-ptx.sh");
      String resource = entry.get("ptx").asText();
      ptxFiles.add(resource);
      List<String> names = new ArrayList<>();
      entry.get("entries").forEach(n -> names.add(n.asText()));
      assertEquals(CudaKernels.entryPoints(resource), names, source + " entries in manifest.json");
    }
    assertEquals(
        CudaKernels.resources().stream().sorted().toList(), ptxFiles.stream().sorted().toList());
    assertEquals("7.0", manifest.get("ptxVersion").asText());
    List<String> flags = new ArrayList<>();
    manifest.get("flags").forEach(f -> flags.add(f.asText()));
    assertTrue(
        flags.contains("--fmad=false") && !flags.contains("--use_fast_math"),
        "manifest flags " + flags);
  }

  private static List<String> entries(String ptx) {
    List<String> names = new ArrayList<>();
    Matcher m = ENTRY.matcher(ptx);
    while (m.find()) {
      names.add(m.group(1));
    }
    names.sort(null);
    return names;
  }

  private static String read(String resource) throws IOException {
    try (InputStream in =
        PtxResourcesTest.class
            .getClassLoader()
            .getResourceAsStream(CudaKernels.RESOURCE_DIR + resource)) {
      assertNotNull(in, CudaKernels.RESOURCE_DIR + resource + " is not on the classpath");
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
  }
}
