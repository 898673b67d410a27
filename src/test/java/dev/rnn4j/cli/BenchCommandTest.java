package dev.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.bench.BenchJson;
import dev.rnn4j.bench.BenchResult;
import dev.rnn4j.bench.Phase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rnn4j bench} end to end, on the smallest case with few repetitions. */
@Tag("integration")
@Tag("cli")
class BenchCommandTest {
  @TempDir Path tmp;

  @Test
  void runsS1AndWritesJson() throws IOException {
    Path json = tmp.resolve("s1.json");
    CliRun run =
        CliRun.of(
            "bench",
            "--only",
            "S1",
            "--repetitions",
            "5",
            "--warmup-seconds",
            "0.1",
            "--threads",
            "1",
            "--json",
            json.toString());
    assertEquals(0, run.exitCode(), run.describe());
    assertEquals("", run.err(), run.describe());
    List<String> lines = run.out().lines().toList();
    assertEquals(
        "rnn4j bench: 1 configuration x 2 phases, float32, batch_first=True", lines.get(0));
    assertTrue(lines.get(1).startsWith("machine: "), run.describe());
    assertTrue(lines.get(2).startsWith("jdk: "), run.describe());
    assertTrue(lines.get(3).startsWith("backend: cpu"), run.describe());
    assertEquals("threads: 1", lines.get(4));
    assertTrue(lines.get(5).startsWith("impl: rnn4j "), run.describe());
    assertTrue(
        lines
            .get(6)
            .startsWith("protocol: warm-up >= 0.1 s and >= 3 calls, then 5 timed repetitions"),
        run.describe());
    assertTrue(
        lines.get(7).startsWith("FLOP convention: forward F = D * sum_l 2*G*H*(I_l + H_out)*N*T"),
        run.describe());
    assertTrue(lines.get(8).startsWith("phase forward: rnn.eval().forward(x)"), run.describe());
    assertTrue(lines.get(9).startsWith("phase train_step: "), run.describe());
    assertTrue(lines.get(11).startsWith("id   phase        cell"), run.describe());
    assertTrue(
        lines
            .get(12)
            .matches("S1   forward      RNN_TANH +1 +2 +1 +1 +4 +5 +2\\.40e-07 .* +5 +\\S+"),
        lines.get(12));
    assertTrue(
        lines
            .get(13)
            .matches("S1   train_step   RNN_TANH +1 +2 +1 +1 +4 +5 +7\\.20e-07 .* +5 +\\S+"),
        lines.get(13));
    assertEquals("wrote 2 results to " + json, lines.get(lines.size() - 1));

    List<BenchResult> results = BenchJson.read(json);
    assertEquals(
        List.of("S1 forward", "S1 train_step"),
        results.stream().map(r -> r.id() + " " + r.phase()).toList());
    for (BenchResult r : results) {
      assertEquals(5, r.reps());
      assertEquals(1, r.threads());
      assertEquals("cpu", r.device());
      assertEquals("RNN_TANH", r.config().mode());
      assertTrue(r.medianMs() > 0 && r.gflops() > 0, r.toString());
    }
  }

  /** --phases picks the loop and the host forward (on the CPU the host forward is the forward). */
  @Test
  void runsTheChosenPhases() throws IOException {
    Path json = tmp.resolve("loop.json");
    CliRun run =
        CliRun.of(
            "bench",
            "--only",
            "S1,L1",
            "--phases",
            "loop,forward_host,loop",
            "--repetitions",
            "5",
            "--warmup-seconds",
            "0",
            "--threads",
            "1",
            "--json",
            json.toString());
    assertEquals(0, run.exitCode(), run.describe());
    List<String> lines = run.out().lines().toList();
    assertEquals(
        "rnn4j bench: 2 configurations x 2 phases, float32, batch_first=True", lines.get(0));
    assertEquals("phase loop: " + Phase.LOOP.description(), lines.get(8));
    assertEquals("phase forward_host: " + Phase.FORWARD_HOST.description(), lines.get(9));
    assertTrue(
        lines.get(12).matches("S1   loop         RNN_TANH +1 +2 +1 +1 +4 +5 +7\\.20e-07 .*"),
        lines.get(12));
    assertTrue(
        lines.get(15).matches("L1   forward_host LSTM +1 +32 +1 +1 +32 +24 +0\\.00649 .*"),
        lines.get(15));
    List<BenchResult> results = BenchJson.read(json);
    assertEquals(
        List.of("S1 loop", "S1 forward_host", "L1 loop", "L1 forward_host"),
        results.stream().map(r -> r.id() + " " + r.phase()).toList());

    // The phase is part of the comparison's key.
    CliRun compare = CliRun.of("bench", "--compare", json.toString(), json.toString());
    assertEquals(0, compare.exitCode(), compare.describe());
    List<String> table = compare.out().lines().toList();
    assertEquals("targets: not checked (B is not PyTorch)", table.get(2));
    assertTrue(table.get(5).matches("S1   loop +\\S+ +\\S+ +1\\.000  - +-"), table.get(5));
    assertTrue(table.get(8).matches("L1   forward_host +\\S+ +\\S+ +1\\.000  - +-"), table.get(8));
  }

  @Test
  void cudaFailsWithOneLine() {
    CliRun run = CliRun.of("bench", "--device", "cuda", "--only", "S1");
    assertEquals(1, run.exitCode(), run.describe());
    assertEquals("", run.out(), run.describe());
    assertEquals(1, run.errLines().size(), run.describe());
    assertTrue(
        run.errLines().get(0).startsWith("rnn4j bench: device 'cuda' was requested, but "),
        run.describe());
  }

  @Test
  void aJsonFileInAMissingFolderFailsBeforeRunning() {
    Path json = tmp.resolve("absent").resolve("r.json");
    CliRun run = CliRun.of("bench", "--only", "S1", "--json", json.toString());
    assertEquals(1, run.exitCode(), run.describe());
    assertEquals("", run.out(), run.describe());
    assertEquals(
        List.of("rnn4j bench: --json " + json + ": no such directory: " + json.getParent()),
        run.errLines());
  }

  @Test
  void usageErrors() {
    for (List<String> args :
        List.of(
            List.of("bench", "--only", "S9"),
            List.of("bench", "--only", "S1", "--set", "C"),
            List.of("bench", "--set", "X"),
            List.of("bench", "--device", "auto"),
            List.of("bench", "--device", "tpu"),
            List.of("bench", "--threads", "0"),
            List.of("bench", "--repetitions", "0"),
            List.of("bench", "--warmup-seconds", "-1"),
            List.of("bench", "--phases", "loop,step"),
            List.of("bench", "--compare", "a.json", "b.json", "--phases", "loop"),
            List.of("bench", "--compare", "a.json"),
            List.of("bench", "--compare", "a.json", "b.json", "--only", "S1"),
            List.of("bench", "--compare", "--rounds", "3"),
            List.of("bench", "--compare", "--device", "cuda"),
            List.of("bench", "--only", "S1", "--rounds", "5"),
            List.of("bench", "--only", "S1", "--python", "python3"))) {
      CliRun run = CliRun.of(args.toArray(String[]::new));
      assertEquals(2, run.exitCode(), args + ": " + run.describe());
      assertFalse(run.err().isEmpty(), args + ": " + run.describe());
      assertEquals("", run.out(), args + ": " + run.describe());
    }
    CliRun unknown = CliRun.of("bench", "--only", "S1,s9");
    assertEquals(
        "Invalid value for option '--only': unknown benchmark id 's9': expected S1..S5, "
            + "C1..C8, G1..G13 or L1..L12",
        unknown.errLines().get(0));
    CliRun phase = CliRun.of("bench", "--only", "S1", "--phase", "forward,step");
    assertEquals(
        "Invalid value for option '--phases': unknown phase 'step': expected forward, "
            + "train_step, loop, forward_host",
        phase.errLines().get(0));
  }

  @Test
  void comparesTwoFiles() throws IOException {
    Path a = tmp.resolve("a.json");
    Path b = tmp.resolve("b.json");
    Files.writeString(
        a,
        """
        [{"id": "S2", "phase": "forward", "median_ms": 2.0, "impl": "rnn4j 0.1.0-SNAPSHOT"},
         {"id": "S2", "phase": "train_step", "median_ms": 9.0, "impl": "rnn4j 0.1.0-SNAPSHOT"},
         {"id": "C1", "phase": "forward", "median_ms": 1.0, "impl": "rnn4j 0.1.0-SNAPSHOT"}]
        """);
    Files.writeString(
        b,
        """
        [{"id": "S2", "phase": "forward", "median_ms": 1.67, "impl": "pytorch 2.13.0"},
         {"id": "S2", "phase": "train_step", "median_ms": 4.03, "impl": "pytorch 2.13.0"}]
        """);
    CliRun run = CliRun.of("bench", "--compare", a.toString(), b.toString());
    assertEquals(0, run.exitCode(), run.describe());
    List<String> lines = run.out().lines().toList();
    assertEquals("A: " + a + " (rnn4j 0.1.0-SNAPSHOT)", lines.get(0));
    assertEquals("B: " + b + " (pytorch 2.13.0)", lines.get(1));
    assertEquals(
        List.of(
            "id   phase         A median ms  B median ms     A/B  target         met  notes",
            "S2   forward             2.000        1.670   1.198  A/B <= 1.5     yes",
            "S2   train_step          9.000        4.030   2.233  A/B <= 1.5     NO",
            "only in A: C1 forward"),
        lines.subList(4, 8));
    assertEquals("targets met: 1 of 2", lines.get(lines.size() - 1));
  }

  @Test
  void compareReportsAnUnreadableFileOnOneLine() throws IOException {
    Path a = tmp.resolve("a.json");
    Files.writeString(a, "[]");
    Path absent = tmp.resolve("absent.json");
    CliRun run = CliRun.of("bench", "--compare", a.toString(), absent.toString());
    assertEquals(1, run.exitCode(), run.describe());
    assertEquals(
        List.of("rnn4j bench: --compare " + absent + ": no such file or directory"),
        run.errLines());

    Files.writeString(absent, "{}");
    run = CliRun.of("bench", "--compare", a.toString(), absent.toString());
    assertEquals(1, run.exitCode(), run.describe());
    assertEquals(
        List.of("rnn4j bench: " + absent + ": expected a JSON array of results, got object"),
        run.errLines());
  }

  /**
   * A live comparison against a stand-in for bench_torch.py --serve (a shell script speaking its
   * protocol: every call takes 1 ms), so that the rounds, the table and the JSON are checked
   * without PyTorch.
   */
  @Test
  void comparesLiveAgainstPyTorchRoundByRound() throws IOException {
    Path python = tmp.resolve("python");
    Files.writeString(
        python,
        String.join(
            "\n",
            "#!/bin/bash",
            "echo '{\"ready\": true, \"impl\": \"pytorch stand-in\", \"threads\": 1,"
                + " \"description\": \"a stand-in\"}'",
            "while read -r line; do",
            "  id=$(echo \"$line\" | sed 's/.*\"id\": *\"\\([^\"]*\\)\".*/\\1/')",
            "  phase=$(echo \"$line\" | sed 's/.*\"phase\": *\"\\([^\"]*\\)\".*/\\1/')",
            "  echo \"{\\\"id\\\": \\\"$id\\\", \\\"phase\\\": \\\"$phase\\\", \\\"median_ms\\\":"
                + " 1.0, \\\"p10_ms\\\": 1.0, \\\"p90_ms\\\": 1.0, \\\"min_ms\\\": 1.0,"
                + " \\\"first_ms\\\": 1.0, \\\"reps\\\": 5, \\\"gflops\\\": 1.0, \\\"threads\\\":"
                + " 1, \\\"device\\\": \\\"cpu\\\", \\\"dtype\\\": \\\"float32\\\", \\\"impl\\\":"
                + " \\\"pytorch stand-in\\\"}\"",
            "done",
            ""));
    assertTrue(python.toFile().setExecutable(true));
    Path json = tmp.resolve("live.json");
    CliRun run =
        CliRun.of(
            "bench",
            "--compare",
            "--python",
            python.toString(),
            "--only",
            "S1",
            "--phases",
            "forward",
            "--threads",
            "1",
            "--warmup-seconds",
            "0",
            "--repetitions",
            "5",
            "--json",
            json.toString());
    assertEquals(0, run.exitCode(), run.describe());
    List<String> out = run.out().lines().toList();
    assertEquals(4, out.stream().filter(l -> l.startsWith("round ")).count(), run.describe());
    String row = out.stream().filter(l -> l.startsWith("S1   forward")).findFirst().orElseThrow();
    assertTrue(row.matches(".*<= 0\\.9 +yes$"), row);
    assertTrue(out.contains("targets met: 1 of 1"), run.describe());
    String written = Files.readString(json);
    assertTrue(written.contains("\"round_ratios\""), written);
    assertTrue(written.contains("\"pytorch_impl\" : \"pytorch stand-in\""), written);
  }

  @Test
  void aLiveComparisonWithoutPyTorchFailsOnOneLine() {
    CliRun run =
        CliRun.of(
            "bench", "--compare", "--python", tmp.resolve("absent").toString(), "--only", "S1");
    assertEquals(1, run.exitCode(), run.describe());
    assertEquals(1, run.errLines().size(), run.describe());
    assertTrue(run.errLines().get(0).contains("cannot start PyTorch's side"), run.describe());
  }
}
