package dev.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotsTest {
  @Test
  void aRuntimeThatCannotLoadAwtsLibrariesIsReportedWithTheLibrarysMessage() {
    // What Debian's jlinked runtime threw on the GPU machine, which has no libharfbuzz.
    UnsatisfiedLinkError missing =
        new UnsatisfiedLinkError(
            "/jre/lib/libfontmanager.so: libharfbuzz.so.0: cannot open shared object file: No such file or directory");
    Plots.UnavailableException e =
        assertThrows(
            Plots.UnavailableException.class,
            () ->
                Plots.guard(
                    () -> {
                      throw missing;
                    }));
    assertEquals(
        "the Java runtime cannot draw charts here: UnsatisfiedLinkError: /jre/lib/libfontmanager.so: "
            + "libharfbuzz.so.0: cannot open shared object file: No such file or directory",
        e.getMessage());
    assertSame(missing, e.getCause());
    // Later uses of the class whose static initializer failed.
    assertThrows(
        Plots.UnavailableException.class,
        () ->
            Plots.guard(
                () -> {
                  throw new NoClassDefFoundError(
                      "Could not initialize class sun.font.FontManagerNativeLibrary");
                }));
  }

  @Test
  void anIoFailureStaysAnIoFailure() {
    IOException io = new IOException("disk full");
    assertSame(
        io,
        assertThrows(
            IOException.class,
            () ->
                Plots.guard(
                    () -> {
                      throw io;
                    })));
  }

  @Test
  void drawsAPng(@TempDir Path dir) throws Exception {
    Path png = dir.resolve("chart.png");
    Plots.lines(
        png, "t", "x", "y", List.of(new Plots.Line("a", null, new double[] {1, 2, Double.NaN, 3})));
    byte[] bytes = Files.readAllBytes(png);
    assertTrue(bytes.length > 8 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G');
    try (var files = Files.list(dir)) {
      assertEquals(List.of(png), files.toList(), "no temporary file left");
    }
  }
}
