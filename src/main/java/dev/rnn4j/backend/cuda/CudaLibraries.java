package dev.rnn4j.backend.cuda;

import dev.rnn4j.backend.Availability;
import dev.rnn4j.backend.BackendUnavailableException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import jcuda.driver.JCudaDriver;
import jcuda.jcublas.JCublas2;
import jcuda.jcudnn.JCudnn;

/**
 * Finds and loads what the CUDA backend needs, once per JVM, and says what it found: the NVIDIA
 * driver ({@code libcuda.so.1}), cuDNN 9 ({@code libcudnn.so.9}) and cuBLAS ({@code
 * libcublas.so.12}, or CUDA 13's {@code libcublas.so.13} behind the forwarding library of {@link
 * CublasForwarder}).
 *
 * <p>Nothing native is loaded before the driver's library has been seen on disk, so a machine
 * without a driver (CI) answers "unavailable" without loading any native code. Libraries found
 * outside the dynamic loader's path are loaded by absolute path first; JCuda's JNI libraries then
 * find them by their sonames.
 */
final class CudaLibraries {
  /** The outcome of probing: whether CUDA can be used, and one line per thing looked at. */
  record Report(boolean available, String reason, List<String> lines) {}

  private static Report report;

  private CudaLibraries() {}

  /** Probes once; later calls return the first answer. Never throws. */
  static synchronized Report probe() {
    if (report == null) {
      List<String> lines = new ArrayList<>();
      String missing;
      try {
        missing = load(lines);
      } catch (NoClassDefFoundError e) {
        // A project that excluded the JCuda artifacts (docs/library.md) and then asked for CUDA.
        missing =
            "the JCuda bindings are not on the class path (missing "
                + e.getMessage()
                + "): add org.jcuda:jcuda, jcublas and jcudnn, as rnn4j's POM declares them";
      } catch (Throwable t) {
        missing = "loading CUDA failed: " + t;
      }
      report =
          new Report(missing == null, missing == null ? versions() : missing, List.copyOf(lines));
    }
    return report;
  }

  /** The probe as a provider answer. */
  static Availability availability() {
    Report r = probe();
    return r.available() ? Availability.yes(r.reason()) : Availability.no(r.reason());
  }

  /** Throws {@link BackendUnavailableException} with the reason unless CUDA is usable. */
  static void require() {
    Report r = probe();
    if (!r.available()) {
      throw new BackendUnavailableException("CUDA is unavailable: " + r.reason());
    }
  }

  /**
   * Driver, cuDNN and cuBLAS versions, e.g. {@code driver CUDA 13.0, cuDNN 9.10.2, cuBLAS 13.0.0}.
   */
  static String versions() {
    int[] driver = new int[1];
    JCudaDriver.cuDriverGetVersion(driver);
    long cudnn = JCudnn.cudnnGetVersion();
    int[] major = new int[1];
    int[] minor = new int[1];
    int[] patch = new int[1];
    JCublas2.cublasGetProperty(0, major);
    JCublas2.cublasGetProperty(1, minor);
    JCublas2.cublasGetProperty(2, patch);
    return String.format(
        "driver CUDA %d.%d, cuDNN %d.%d.%d, cuBLAS %d.%d.%d",
        driver[0] / 1000,
        driver[0] % 1000 / 10,
        cudnn / 10000,
        cudnn % 10000 / 100,
        cudnn % 100,
        major[0],
        minor[0],
        patch[0]);
  }

  /** Loads everything; returns null when CUDA is usable, else the reason. Appends what it found. */
  private static String load(List<String> lines) {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "");
    if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      return "rnn4j's CUDA backend runs on Linux x86-64 only (JCuda's natives), this is "
          + os
          + " "
          + arch;
    }
    Optional<Path> driver = find("libcuda.so.1");
    if (driver.isEmpty()) {
      return "no NVIDIA driver: libcuda.so.1 was not found in LD_LIBRARY_PATH, the loader's configured "
          + "directories or the usual system directories";
    }
    lines.add("driver library: " + driver.get());
    // Loaded by path, so that JCuda's JNI library finds it even where the loader's cache does not
    // list it.
    System.load(driver.get().toString());
    int status = JCudaDriver.cuInit(0);
    if (status != 0) {
      return "cuInit failed: " + NativeCalls.describe(status);
    }
    int[] version = new int[1];
    JCudaDriver.cuDriverGetVersion(version);
    lines.add(
        String.format("driver supports CUDA %d.%d", version[0] / 1000, version[0] % 1000 / 10));
    int[] count = new int[1];
    status = JCudaDriver.cuDeviceGetCount(count);
    if (status != 0) {
      return "cuDeviceGetCount failed: " + NativeCalls.describe(status);
    }
    if (count[0] == 0) {
      return "the driver sees no CUDA device";
    }
    lines.add(count[0] + (count[0] == 1 ? " CUDA device" : " CUDA devices"));

    Optional<Path> cudnn = LibrarySearch.find("libcudnn.so.9");
    if (cudnn.isEmpty()) {
      return "cuDNN 9 not found: libcudnn.so.9 is not in LD_LIBRARY_PATH, the loader cache, python3's nvidia "
          + "packages or /usr/local/cuda* (docs/gpu.md says how to install it)";
    }
    System.load(cudnn.get().toString());
    lines.add("cuDNN library: " + cudnn.get());
    long cudnnVersion = JCudnn.cudnnGetVersion();
    if (cudnnVersion < 90000) {
      return "cuDNN " + cudnnVersion + " found, rnn4j needs cuDNN 9 (version 90000 or later)";
    }

    String cublas = loadCublas(lines);
    if (cublas != null) {
      return cublas;
    }
    int[] major = new int[1];
    status = JCublas2.cublasGetProperty(0, major);
    if (status != 0) {
      return "cublasGetProperty failed with status " + status;
    }
    lines.add("versions: " + versions());
    return null;
  }

  private static String loadCublas(List<String> lines) {
    Optional<Path> cublas12 = LibrarySearch.find("libcublas.so.12");
    if (cublas12.isPresent()) {
      loadWithLt(cublas12.get());
      lines.add("cuBLAS library: " + cublas12.get());
      return null;
    }
    Optional<Path> cublas13 = LibrarySearch.find("libcublas.so.13");
    if (cublas13.isEmpty()) {
      return "cuBLAS not found: neither libcublas.so.12 nor libcublas.so.13 is in LD_LIBRARY_PATH, the loader "
          + "cache, python3's nvidia packages or /usr/local/cuda* (docs/gpu.md says how to install it)";
    }
    CublasForwarder forwarder;
    try {
      forwarder = CublasForwarder.build(cublas13.get(), CublasForwarder.defaultOutDir());
    } catch (IOException | IllegalArgumentException e) {
      return "only CUDA 13's cuBLAS was found ("
          + cublas13.get()
          + "), and the forwarding libcublas.so.12 "
          + "that JCublas2 needs could not be built: "
          + e.getMessage();
    }
    Path lt = cublas13.get().resolveSibling("libcublasLt.so.13");
    if (Files.exists(lt)) {
      System.load(lt.toString());
    }
    forwarder.load();
    lines.add(
        "cuBLAS library: "
            + forwarder.target()
            + " through the forwarding library "
            + forwarder.library()
            + (forwarder.unresolved().isEmpty()
                ? ""
                : " ("
                    + forwarder.unresolved().size()
                    + " JCublas2 functions missing in cuBLAS 13, never called)"));
    return null;
  }

  /**
   * Loads cuBLAS after its sibling cuBLASLt, which it needs and which may be outside the loader's
   * path.
   */
  private static void loadWithLt(Path cublas) {
    String lt = cublas.getFileName().toString().replace("libcublas", "libcublasLt");
    Path sibling = cublas.resolveSibling(lt);
    if (Files.exists(sibling)) {
      System.load(sibling.toString());
    }
    System.load(cublas.toString());
  }

  /** The first directory of the driver's search path that holds {@code name}; starts no process. */
  private static Optional<Path> find(String name) {
    for (String dir : searchPath()) {
      Path p = Paths.get(dir, name);
      if (Files.exists(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /**
   * Where the driver's library lives: LD_LIBRARY_PATH, the directories of /etc/ld.so.conf.d, then
   * the usual system directories. Read from files only, so that a machine without a driver answers
   * quickly.
   */
  private static List<String> searchPath() {
    Set<String> dirs = new LinkedHashSet<>();
    String env = System.getenv("LD_LIBRARY_PATH");
    if (env != null) {
      for (String d : env.split(":")) {
        if (!d.isEmpty()) {
          dirs.add(d);
        }
      }
    }
    Path conf = Paths.get("/etc/ld.so.conf.d");
    if (Files.isDirectory(conf)) {
      try (Stream<Path> files =
          Stream.concat(Stream.of(Paths.get("/etc/ld.so.conf")), Files.list(conf))) {
        files
            .filter(f -> f.toString().endsWith(".conf") && Files.isRegularFile(f))
            .sorted()
            .forEach(
                f -> {
                  try {
                    for (String line : Files.readAllLines(f)) {
                      String d = line.strip();
                      if (d.startsWith("/")) {
                        dirs.add(d);
                      }
                    }
                  } catch (IOException e) {
                    // An unreadable loader configuration only narrows the search.
                  }
                });
      } catch (IOException e) {
        // As above.
      }
    }
    dirs.addAll(
        List.of(
            "/usr/local/nvidia/lib64",
            "/usr/local/nvidia/lib",
            "/usr/lib/x86_64-linux-gnu",
            "/lib/x86_64-linux-gnu",
            "/usr/lib64",
            "/lib64",
            "/usr/local/cuda/lib64",
            "/usr/lib/wsl/lib"));
    return new ArrayList<>(dirs);
  }
}
