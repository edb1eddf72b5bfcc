package io.communica.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The machine a run was measured on.
 *
 * @param cpu processor model
 * @param cores processors available to the JVM
 * @param memoryMiB physical memory
 * @param os operating system, version and architecture
 * @param java the JVM running the harness (the child JVMs are the same)
 */
public record Machine(String cpu, int cores, long memoryMiB, String os, String java) {

  /** This machine. */
  static Machine describe() {
    String cpu =
        lines("/proc/cpuinfo").stream()
            .filter(l -> l.startsWith("model name"))
            .map(l -> l.substring(l.indexOf(':') + 1).trim())
            .findFirst()
            .orElse(System.getProperty("os.arch"));
    long memory =
        ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize()
            / (1024 * 1024);
    String os =
        System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
            + System.getProperty("os.arch");
    String java =
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
    return new Machine(cpu, Runtime.getRuntime().availableProcessors(), memory, os, java);
  }

  /** The 1-minute load average, or -1 where unknown. */
  static double loadAverage() {
    return Optional.of(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage())
        .filter(l -> l >= 0)
        .orElse(-1.0);
  }

  /**
   * CPU time all processes of the machine have used so far, from {@code /proc/stat} (everything
   * but idle and I/O wait, steal included), in nanoseconds; -1 where unknown.
   */
  static long busyCpuNanos() {
    List<String> stat = lines("/proc/stat");
    if (stat.isEmpty() || !stat.get(0).startsWith("cpu ")) {
      return -1;
    }
    String[] f = stat.get(0).trim().split("\\s+");
    long busy = 0;
    for (int i = 1; i < Math.min(f.length, 9); i++) {
      if (i != 4 && i != 5) { // idle, iowait
        busy += Long.parseLong(f[i]);
      }
    }
    return busy * 10_000_000L; // USER_HZ is 100 on Linux
  }

  private static List<String> lines(String file) {
    try {
      return Files.readAllLines(Path.of(file));
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
  }
}
