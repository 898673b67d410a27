package dev.rnn4j.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.apache.spark.launcher.JavaModuleOptions;

/**
 * A Spark standalone cluster on this machine, as a user starts one with {@code start-master.sh} and
 * {@code start-worker.sh}: a Master JVM and a Worker JVM, started from the Spark jars on this JVM's
 * class path, and applications submitted through {@code spark-submit}'s entry point ({@code
 * org.apache.spark.deploy.SparkSubmit}) in a driver JVM of their own. The Worker launches each
 * executor as a JVM of its own ({@code CoarseGrainedExecutorBackend}), so killing one is a real
 * executor loss.
 *
 * <p>Spark's launcher builds an executor's class path from {@code $SPARK_HOME/jars}: the cluster
 * makes a Spark home whose {@code jars} folder links every jar of the class path (Spark, Hadoop,
 * Scala and their dependencies; rnn4j's own classes are not among them, so they reach executors
 * only through {@code --jars}, as on a real cluster). Everything binds to 127.0.0.1. Logs go to
 * files in the cluster's folder, which {@link #log} names for a failing test's message.
 */
final class StandaloneCluster implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private final Path dir;
  private final Path sparkHome;
  private final Path tmp;
  private final String masterUrl;
  private final List<Process> daemons = new ArrayList<>();
  private final List<Process> drivers = new ArrayList<>();

  private StandaloneCluster(Path dir, Path sparkHome, String masterUrl) throws IOException {
    this.dir = dir;
    this.tmp = Files.createDirectories(dir.resolve("tmp"));
    this.sparkHome = sparkHome;
    this.masterUrl = masterUrl;
  }

  /**
   * Starts a Master and one Worker offering {@code cores} cores and {@code memory} (e.g. {@code
   * "1g"}) to executors, and waits until the Worker has registered.
   *
   * @param folder the folder for the Spark home, the logs and the Worker's work folder; what it
   *     held is deleted
   */
  static StandaloneCluster start(Path folder, int cores, String memory) throws IOException {
    Path dir = folder.toAbsolutePath();
    deleteRecursively(dir);
    Path sparkHome = dir.resolve("spark-home");
    Path jars = Files.createDirectories(sparkHome.resolve("jars"));
    Path project = Path.of("").toAbsolutePath().resolve("target");
    for (String entry : classPath()) {
      Path jar = Path.of(entry).toAbsolutePath();
      if (entry.endsWith(".jar") && !jar.startsWith(project) && Files.isRegularFile(jar)) {
        Path link = jars.resolve(jar.getFileName());
        if (!Files.exists(link)) {
          Files.createSymbolicLink(link, jar);
        }
      }
    }
    int masterPort = freePort();
    String masterUrl = "spark://127.0.0.1:" + masterPort;
    StandaloneCluster cluster = new StandaloneCluster(dir, sparkHome, masterUrl);
    try {
      cluster.daemons.add(
          cluster.launch(
              "master",
              List.of("-Xmx256m"),
              "org.apache.spark.deploy.master.Master",
              List.of(
                  "--host",
                  "127.0.0.1",
                  "--port",
                  Integer.toString(masterPort),
                  "--webui-port",
                  Integer.toString(freePort()))));
      cluster.awaitLine("master", "I have been elected leader");
      cluster.daemons.add(
          cluster.launch(
              "worker",
              List.of("-Xmx256m"),
              "org.apache.spark.deploy.worker.Worker",
              List.of(
                  masterUrl,
                  "--host",
                  "127.0.0.1",
                  "--cores",
                  Integer.toString(cores),
                  "--memory",
                  memory,
                  "--webui-port",
                  Integer.toString(freePort()),
                  "--work-dir",
                  Files.createDirectories(dir.resolve("work")).toString())));
      cluster.awaitLine("worker", "Successfully registered with master");
      return cluster;
    } catch (IOException | RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /** {@code spark://127.0.0.1:port}. */
  String masterUrl() {
    return masterUrl;
  }

  /** The file that holds the standard output and error of the JVM named {@code name}. */
  Path log(String name) {
    return dir.resolve(name + ".log");
  }

  /**
   * Starts {@code spark-submit --master <this cluster> <options> appJar args} in a driver JVM of
   * its own (client mode), its output to {@link #log log(name)}. Its executors keep their temporary
   * files in the cluster's folder.
   */
  Process submit(String name, List<String> options, Path appJar, List<String> args)
      throws IOException {
    List<String> submit = new ArrayList<>(List.of("--master", masterUrl));
    submit.add("--conf");
    submit.add("spark.executor.extraJavaOptions=-Djava.io.tmpdir=" + tmp);
    submit.addAll(options);
    submit.add(appJar.toString());
    submit.addAll(args);
    Process driver =
        launch(name, List.of("-Xmx512m"), "org.apache.spark.deploy.SparkSubmit", submit);
    drivers.add(driver);
    return driver;
  }

  /** The executor JVMs that the Worker runs now. */
  List<ProcessHandle> executors() {
    return daemons
        .get(1)
        .descendants()
        .filter(
            p ->
                p.info()
                    .commandLine()
                    .orElse("")
                    .contains("org.apache.spark.executor.CoarseGrainedExecutorBackend"))
        .toList();
  }

  /**
   * A jar of the classes of {@code packageDir} (e.g. {@code dev/rnn4j/spark/cluster}) under {@code
   * classes}: an application jar that holds an application's own classes only.
   */
  static Path appJar(Path classes, String packageDir, Path jar) throws IOException {
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
        Stream<Path> files = Files.walk(classes.resolve(packageDir))) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
        out.write(Files.readAllBytes(f));
        out.closeEntry();
      }
    }
    return jar;
  }

  /** Waits for {@code driver} to end and returns its exit code, killing it after {@code limit}. */
  static int await(Process driver, Duration limit) throws InterruptedException {
    if (!driver.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      driver.descendants().forEach(ProcessHandle::destroyForcibly);
      driver.destroyForcibly().waitFor();
      return -1;
    }
    return driver.exitValue();
  }

  @Override
  public void close() {
    // The Worker first, so that it starts no executor while the others go; then every JVM of this
    // cluster, orphaned executors included: their command lines name its Spark home.
    List<ProcessHandle> started = new ArrayList<>();
    List<Process> workerFirst = new ArrayList<>(daemons);
    Collections.reverse(workerFirst);
    for (Process p : workerFirst) {
      started.add(p.toHandle());
    }
    for (Process p : drivers) {
      started.add(p.toHandle());
    }
    started.forEach(ProcessHandle::destroyForcibly);
    String marker = sparkHome.toString();
    List<ProcessHandle> rest =
        ProcessHandle.allProcesses()
            .filter(p -> p.info().commandLine().orElse("").contains(marker))
            .toList();
    rest.forEach(ProcessHandle::destroyForcibly);
    started.addAll(rest);
    for (ProcessHandle p : started) {
      try {
        p.onExit().get(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException | TimeoutException e) {
        // Killed with SIGKILL: it ends; a slow end only leaves the folder busy a little longer.
      }
    }
  }

  private Process launch(String name, List<String> jvm, String mainClass, List<String> args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvm);
    // The flags Spark's own launcher gives its JVMs (the Vector API module among them).
    command.addAll(List.of(JavaModuleOptions.defaultModuleOptionArray()));
    // Temporary files (Spark's, rnn4j's task folders) stay in the cluster's folder, also those
    // of a JVM that is killed.
    command.add("-Djava.io.tmpdir=" + tmp);
    command.add("-cp");
    command.add(sparkHome.resolve("jars") + "/*");
    command.add(mainClass);
    command.addAll(args);
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log(name).toFile());
    Map<String, String> env = builder.environment();
    env.putAll(environment());
    return builder.start();
  }

  private Map<String, String> environment() {
    Map<String, String> env = new HashMap<>();
    env.put("SPARK_HOME", sparkHome.toString());
    // The launcher asks for the Scala version of a Spark home without a build folder.
    env.put("SPARK_SCALA_VERSION", "2.13");
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.put("SPARK_LOCAL_HOSTNAME", "localhost");
    return env;
  }

  private void awaitLine(String name, String text) throws IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    Process process = daemons.get(daemons.size() - 1);
    while (System.nanoTime() < deadline) {
      if (Files.readString(log(name), StandardCharsets.UTF_8).contains(text)) {
        return;
      }
      if (!process.isAlive()) {
        throw new IOException(
            String.format("the %s exited (%d): see %s", name, process.exitValue(), log(name)));
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while the " + name + " started", e);
      }
    }
    throw new IOException(
        String.format(
            "the %s did not log \"%s\" within %s: see %s", name, text, START_TIMEOUT, log(name)));
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  /**
   * The test class path: surefire and failsafe name it in a property when they use a booter jar.
   */
  private static List<String> classPath() {
    String cp =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    return List.of(cp.split(java.io.File.pathSeparator));
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
