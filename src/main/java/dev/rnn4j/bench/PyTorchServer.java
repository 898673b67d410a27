package dev.rnn4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * PyTorch's side of a live comparison: the jar's copy of {@code bench_torch.py --serve} in a child
 * process on the CPU, which times one case and phase per request as {@link BenchRunner} does (a new
 * module and input each time, warm-up, then timed calls) and answers with one results row. The
 * child dies with this object ({@link #close}) and, through its end of input, with this JVM.
 */
public final class PyTorchServer implements AutoCloseable {
  /** The environment variable naming the Python that has PyTorch, when not {@code python3}. */
  public static final String PYTHON_ENV = "RNN4J_PYTHON";

  private static final String SCRIPT = "/dev/rnn4j/bench/bench_torch.py";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final BufferedReader out;
  private final BufferedWriter in;
  private final Path script;
  private final Path errors;
  private final String impl;
  private final String description;

  private PyTorchServer(Process process, Path script, Path errors) throws IOException {
    this.process = process;
    this.script = script;
    this.errors = errors;
    this.out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    this.in =
        new BufferedWriter(
            new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
    JsonNode hello = readLine("starting");
    if (!hello.path("ready").asBoolean()) {
      throw failure("starting", "it did not say it was ready: " + hello);
    }
    this.impl = hello.path("impl").asText();
    this.description = hello.path("description").asText();
  }

  /**
   * Starts {@code python} ({@code null}: {@link #PYTHON_ENV}, else {@code python3}) on the jar's
   * {@code bench_torch.py} with {@code threads} intra- and inter-op threads.
   *
   * @throws PyTorchUnavailableException when it cannot start or has no PyTorch, with its own last
   *     words
   */
  public static PyTorchServer start(String python, int threads) {
    String exe = python != null ? python : System.getenv().getOrDefault(PYTHON_ENV, "python3");
    Path script = null;
    Path errors = null;
    try {
      script = Files.createTempFile("rnn4j-bench_torch", ".py");
      errors = Files.createTempFile("rnn4j-bench_torch", ".err");
      try (InputStream source = PyTorchServer.class.getResourceAsStream(SCRIPT)) {
        if (source == null) {
          throw new IllegalStateException(
              "bench_torch.py is missing from rnn4j's jar (" + SCRIPT + ")");
        }
        Files.copy(source, script, StandardCopyOption.REPLACE_EXISTING);
      }
      Process process =
          new ProcessBuilder(
                  exe, script.toString(), "--serve", "--threads", Integer.toString(threads))
              .redirectError(errors.toFile())
              .start();
      return new PyTorchServer(process, script, errors);
    } catch (IOException e) {
      deleteQuietly(script);
      deleteQuietly(errors);
      throw new PyTorchUnavailableException(
          "cannot start PyTorch's side with '"
              + exe
              + "': "
              + e.getMessage()
              + "; give --python or set "
              + PYTHON_ENV
              + " to a Python with PyTorch",
          e);
    }
  }

  /** {@code pytorch <version>}. */
  public String impl() {
    return impl;
  }

  /** PyTorch's version, location, CPU and parallel settings, as the script prints them. */
  public String description() {
    return description;
  }

  /** Times one case in one phase with the protocol's warm-up, repetitions and seconds. */
  public BenchResult run(BenchCase c, Phase phase, BenchProtocol protocol) {
    ObjectNode request = JSON.createObjectNode();
    request.put("id", c.id());
    request.put("phase", phase.jsonName());
    request.put("warmup_seconds", protocol.warmupSeconds());
    request.put("min_seconds", protocol.measureSeconds());
    request.put(
        "repetitions",
        protocol.repetitions() > 0 ? protocol.repetitions() : BenchProtocol.MIN_REPETITIONS);
    String what = c.id() + " " + phase.jsonName();
    try {
      in.write(JSON.writeValueAsString(request));
      in.newLine();
      in.flush();
    } catch (IOException e) {
      throw failure(what, e.getMessage());
    }
    JsonNode row = readLine(what);
    List<BenchResult> parsed = BenchJson.parse("[" + row + "]", "PyTorch's answer for " + what);
    return parsed.get(0);
  }

  private JsonNode readLine(String what) {
    try {
      String line = out.readLine();
      if (line == null) {
        throw failure(what, "it exited");
      }
      return JSON.readTree(line);
    } catch (IOException e) {
      throw failure(what, e.getMessage());
    }
  }

  private PyTorchUnavailableException failure(String what, String reason) {
    String last = "";
    try {
      List<String> lines = Files.readAllLines(errors, StandardCharsets.UTF_8);
      if (!lines.isEmpty()) {
        last = " (its last line: " + lines.get(lines.size() - 1).strip() + ")";
      }
    } catch (IOException e) {
      // Only a detail of the message.
    }
    return new PyTorchUnavailableException(
        "PyTorch's side failed while "
            + what
            + ": "
            + reason
            + last
            + "; give --python or set "
            + PYTHON_ENV
            + " to a Python with PyTorch",
        null);
  }

  /** Ends the child's input and waits a little for it; then it is killed. */
  @Override
  public void close() {
    try {
      in.close();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (IOException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } finally {
      deleteQuietly(script);
      deleteQuietly(errors);
    }
  }

  private static void deleteQuietly(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // A temporary file left behind is harmless.
      }
    }
  }
}
