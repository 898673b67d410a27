package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Atomic replacement and the removal of stale temporaries of interrupted writes. */
class AtomicFilesTest {
  /** Long before any test JVM started. */
  private static final FileTime OLD = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));

  @TempDir Path dir;

  @Test
  void writeReplacesTheFileAndLeavesNoTemporary() throws IOException {
    Path target = dir.resolve("out.csv");
    Files.writeString(target, "old");
    AtomicFiles.writeString(target, "new\n");
    assertEquals("new\n", Files.readString(target));
    assertEquals(List.of(target), list());
  }

  @Test
  void failedWriteLeavesTheOldFileAndNoTemporary() throws IOException {
    Path target = dir.resolve("out.csv");
    Files.writeString(target, "old");
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                AtomicFiles.write(
                    target,
                    out -> {
                      out.write(new byte[100_000]);
                      throw new IOException("No space left on device");
                    }));
    assertEquals("No space left on device", e.getMessage());
    assertEquals("old", Files.readString(target));
    assertEquals(List.of(target), list());
  }

  @Test
  void temporaryNamesFollowThePattern() {
    String name = AtomicFiles.temporaryName("checkpoint.safetensors");
    assertTrue(name.matches("\\.checkpoint\\.safetensors\\.[0-9a-f]{16}\\.tmp"), name);
  }

  @Test
  void staleTemporariesOfKilledWritersAreRemovedOthersKept() throws IOException {
    Path stale = old(".checkpoint.safetensors.00000000deadbeef.tmp");
    Path legacy = old(".forecast.csv.1234.987654321.tmp");
    Path fresh = dir.resolve(".checkpoint.safetensors.0123456789abcdef.tmp");
    Files.writeString(fresh, "being written by this process");
    Path foreign = old(".notes.tmp");
    Path user = old("checkpoint.safetensors.0123456789abcdef.tmp");

    List<Path> removed = AtomicFiles.removeStaleTemporaries(dir);

    assertEquals(List.of(stale, legacy), removed.stream().sorted().toList());
    assertFalse(Files.exists(stale));
    assertFalse(Files.exists(legacy));
    assertTrue(Files.exists(fresh));
    assertTrue(Files.exists(foreign));
    assertTrue(Files.exists(user));
  }

  @Test
  void lockedTemporaryIsKept() throws IOException {
    Path locked = old(".checkpoint.safetensors.00000000deadbeef.tmp");
    try (FileChannel channel = FileChannel.open(locked, StandardOpenOption.WRITE);
        FileLock lock = channel.lock()) {
      assertEquals(List.of(), AtomicFiles.removeStaleTemporaries(dir));
      assertTrue(Files.exists(locked));
    }
  }

  @Test
  void writeRemovesStaleTemporariesOfItsOwnTargetOnly() throws IOException {
    Path mine = old(".checkpoint.safetensors.00000000deadbeef.tmp");
    Path other = old(".best.safetensors.00000000deadbeef.tmp");
    AtomicFiles.write(dir.resolve("checkpoint.safetensors"), new byte[] {1, 2, 3});
    assertFalse(Files.exists(mine));
    assertTrue(Files.exists(other));
    assertArrayEquals(
        new byte[] {1, 2, 3}, Files.readAllBytes(dir.resolve("checkpoint.safetensors")));
  }

  @Test
  void missingFolderHoldsNoTemporaries() throws IOException {
    assertEquals(List.of(), AtomicFiles.removeStaleTemporaries(dir.resolve("none")));
  }

  private Path old(String name) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, "partial");
    Files.setLastModifiedTime(p, OLD);
    return p;
  }

  private List<Path> list() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }
}
