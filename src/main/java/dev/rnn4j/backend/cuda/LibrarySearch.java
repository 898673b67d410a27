package dev.rnn4j.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Finds a CUDA library file by name where CUDA installs put it. A search never fails: a location
 * that cannot be read, or a tool that is missing or hangs, is passed over.
 */
final class LibrarySearch {
  private static final long TOOL_TIMEOUT_SECONDS = 20;

  /**
   * nvidia/cublas/lib (CUDA 12 wheels) and nvidia/cu13/lib (CUDA 13 wheels) are two levels down.
   */
  private static final int PYTHON_PACKAGE_DEPTH = 3;

  private LibrarySearch() {}

  /**
   * The first {@code fileName} found in, in order: the folders of {@code LD_LIBRARY_PATH}; the
   * loader cache ({@code ldconfig -p}); the {@code nvidia} namespace package of {@code python3}
   * (pip's CUDA wheels, which PyTorch installs); {@code /usr/local/cuda*}, newest name first.
   */
  static Optional<Path> find(String fileName) {
    for (Path dir : ldLibraryPath()) {
      Optional<Path> hit = file(dir.resolve(fileName));
      if (hit.isPresent()) {
        return hit;
      }
    }
    Optional<Path> cached = loaderCache(fileName);
    if (cached.isPresent()) {
      return cached;
    }
    for (String root :
        lines(List.of("python3", "-c", "import nvidia; print('\\n'.join(nvidia.__path__))"))) {
      Optional<Path> hit = below(Path.of(root), fileName, PYTHON_PACKAGE_DEPTH);
      if (hit.isPresent()) {
        return hit;
      }
    }
    for (Path cuda : cudaHomes()) {
      for (String sub : List.of("lib64", "targets/x86_64-linux/lib")) {
        Optional<Path> hit = file(cuda.resolve(sub).resolve(fileName));
        if (hit.isPresent()) {
          return hit;
        }
      }
    }
    return Optional.empty();
  }

  private static List<Path> ldLibraryPath() {
    String value = System.getenv("LD_LIBRARY_PATH");
    List<Path> dirs = new ArrayList<>();
    if (value != null) {
      for (String dir : value.split(":")) {
        if (!dir.isBlank()) {
          dirs.add(Path.of(dir));
        }
      }
    }
    return dirs;
  }

  /**
   * {@code ldconfig -p} lines read "\tlibcublas.so.13 (libc6,x86-64) =>
   * /usr/lib/.../libcublas.so.13".
   */
  private static Optional<Path> loaderCache(String fileName) {
    for (String ldconfig : List.of("/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig")) {
      List<String> out = lines(List.of(ldconfig, "-p"));
      if (out.isEmpty()) {
        continue;
      }
      for (String line : out) {
        String[] parts = line.strip().split(" => ", 2);
        if (parts.length == 2
            && parts[0].startsWith(fileName + " ")
            && parts[0].contains("x86-64")) {
          Optional<Path> hit = file(Path.of(parts[1].strip()));
          if (hit.isPresent()) {
            return hit;
          }
        }
      }
      return Optional.empty();
    }
    return Optional.empty();
  }

  private static List<Path> cudaHomes() {
    try (Stream<Path> dirs = Files.list(Path.of("/usr/local"))) {
      return dirs.filter(d -> d.getFileName().toString().startsWith("cuda"))
          .sorted(Comparator.comparing((Path d) -> d.getFileName().toString()).reversed())
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  private static Optional<Path> below(Path root, String fileName, int depth) {
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    try (Stream<Path> files =
        Files.find(root, depth, (p, attrs) -> p.getFileName().toString().equals(fileName))) {
      return files.sorted().findFirst().flatMap(LibrarySearch::file);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static Optional<Path> file(Path p) {
    return Files.isRegularFile(p) ? Optional.of(p.toAbsolutePath()) : Optional.empty();
  }

  /** The tool's standard output as lines, or no lines when it is missing, fails or times out. */
  private static List<String> lines(List<String> command) {
    Process p;
    try {
      p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      return List.of();
    }
    try (InputStream in = p.getInputStream()) {
      String out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(TOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return List.of();
      }
      return out.lines().filter(l -> !l.isBlank()).toList();
    } catch (IOException e) {
      return List.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    } finally {
      p.destroyForcibly();
    }
  }
}
