package dev.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JVM-wide cache without Spark: many threads at once, content hashes, failures. */
class ExecutorRuntimeTest {
  @TempDir Path tmp;

  @Test
  void manyThreadsAtOnceShareOneLoad() throws Exception {
    Path path = tmp.resolve("m.safetensors");
    Models.train(1, 1234, path);
    long before = ExecutorRuntime.loadCount();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<ExecutorRuntime.Loaded>> all = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        all.add(
            pool.submit(
                () -> {
                  start.await();
                  return ExecutorRuntime.model(path.toString(), new Configuration(), "cpu");
                }));
      }
      start.countDown();
      ExecutorRuntime.Loaded first = all.get(0).get();
      for (Future<ExecutorRuntime.Loaded> f : all) {
        assertSame(first.forecaster(), f.get().forecaster());
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, ExecutorRuntime.loadCount() - before);
  }

  @Test
  void aCopyOfOneFileIsOneModelAndAChangedFileIsAnother() throws IOException {
    Path a = tmp.resolve("a.safetensors");
    Models.train(1, 4321, a);
    Path copy = Files.copy(a, tmp.resolve("copy.safetensors"));
    long before = ExecutorRuntime.loadCount();
    ExecutorRuntime.Loaded x = ExecutorRuntime.model(a.toString(), new Configuration(), "cpu");
    assertSame(
        x.forecaster(),
        ExecutorRuntime.model(copy.toString(), new Configuration(), "cpu").forecaster());
    Models.train(1, 4322, a);
    ExecutorRuntime.Loaded y = ExecutorRuntime.model(a.toString(), new Configuration(), "cpu");
    assertTrue(!x.sha256().equals(y.sha256()));
    assertEquals(2, ExecutorRuntime.loadCount() - before);
  }

  @Test
  void aCorruptFileFailsEveryTimeWithItsPath() throws IOException {
    Path bad = Files.write(tmp.resolve("bad.safetensors"), new byte[] {1, 2, 3});
    for (int i = 0; i < 2; i++) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> ExecutorRuntime.model(bad.toString(), new Configuration(), "cpu"));
      assertTrue(e.getMessage().startsWith("not a readable checkpoint: " + bad), e.getMessage());
    }
  }

  @Test
  void aSecondReadIsHashedAgain() throws IOException {
    // A failed load leaves the file's hash known, so the next request reads the bytes a second
    // time.
    Path bad = Files.write(tmp.resolve("changing.safetensors"), new byte[] {1, 2, 3});
    FileTime time = Files.getLastModifiedTime(bad);
    assertThrows(
        IllegalArgumentException.class,
        () -> ExecutorRuntime.model(bad.toString(), new Configuration(), "cpu"));
    // Same length and time, other bytes: the file system's identity cannot tell, the hash can.
    Files.write(bad, new byte[] {4, 5, 6});
    Files.setLastModifiedTime(bad, time);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ExecutorRuntime.model(bad.toString(), new Configuration(), "cpu"));
    assertTrue(
        e.getMessage()
            .startsWith(
                "modelPath "
                    + bad
                    + " changed while it was read: its content has "
                    + "SHA-256 "
                    + ExecutorRuntime.sha256(new byte[] {4, 5, 6})),
        e.getMessage());
    IllegalArgumentException again =
        assertThrows(
            IllegalArgumentException.class,
            () -> ExecutorRuntime.model(bad.toString(), new Configuration(), "cpu"));
    assertTrue(
        again.getMessage().startsWith("not a readable checkpoint: " + bad), again.getMessage());
  }
}
