package dev.rnn4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MachineInfoTest {
  @TempDir Path tmp;

  @Test
  void cpuModelFromCpuinfo() throws IOException {
    Path x86 = tmp.resolve("x86");
    Files.writeString(
        x86,
        "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9R14\n"
            + "processor\t: 1\nmodel name\t: AMD EPYC 9R14\n");
    assertEquals("AMD EPYC 9R14", MachineInfo.cpuModel(x86));
    Path arm = tmp.resolve("arm");
    Files.writeString(
        arm, "processor\t: 0\nBogoMIPS\t: 50.00\n\nHardware\t: BCM2835\nModel\t: Raspberry Pi 4\n");
    assertEquals("BCM2835", MachineInfo.cpuModel(arm));
    assertEquals("unknown", MachineInfo.cpuModel(tmp.resolve("absent")));
  }

  @Test
  void headerLines() {
    MachineInfo m =
        new MachineInfo(
            "Linux", "amd64", 2, "AMD EPYC 9R14", "17.0.15", "OpenJDK 64-Bit Server VM", false);
    assertEquals("machine: Linux amd64, 2 processors, AMD EPYC 9R14", m.machineLine());
    assertEquals(
        "jdk: 17.0.15 (OpenJDK 64-Bit Server VM), jdk.incubator.vector absent", m.jdkLine());
    assertTrue(MachineInfo.current().processors() >= 1);
  }
}
