package io.communica.bench.stacks;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

/**
 * What one process reports about itself at one instant: its clock, CPU time and garbage
 * collections, and a counter (messages received by a server, operations completed by a client).
 * Servers send it to the client on request, encoded as a short ASCII line.
 *
 * @param nanoTime {@link System#nanoTime()} of the reporting process
 * @param cpuNanos CPU time the process used so far, all threads
 * @param gcCount collections so far, all collectors
 * @param gcMillis time spent in collections so far
 * @param count the counter
 * @param jitMillis time the JIT compilers spent so far (all compiler threads), -1 when the JVM does
 *     not say
 */
public record Snapshot(
    long nanoTime, long cpuNanos, long gcCount, long gcMillis, long count, long jitMillis) {

  private static final OperatingSystemMXBean OS =
      (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private static final CompilationMXBean JIT = ManagementFactory.getCompilationMXBean();

  /** This process now, with {@code count}. */
  public static Snapshot take(long count) {
    long gcCount = 0;
    long gcMillis = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      gcCount += Math.max(0, gc.getCollectionCount());
      gcMillis += Math.max(0, gc.getCollectionTime());
    }
    long jit =
        JIT != null && JIT.isCompilationTimeMonitoringSupported() ? JIT.getTotalCompilationTime() : -1;
    return new Snapshot(System.nanoTime(), OS.getProcessCpuTime(), gcCount, gcMillis, count, jit);
  }

  /** The line a server sends back. */
  public byte[] encode() {
    return (nanoTime + " " + cpuNanos + " " + gcCount + " " + gcMillis + " " + count + " " + jitMillis)
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** Reads {@link #encode()}'s line. */
  public static Snapshot decode(byte[] line) {
    String[] f = new String(line, StandardCharsets.US_ASCII).trim().split(" ");
    if (f.length != 6) {
      throw new IllegalArgumentException("not a snapshot: " + new String(line, StandardCharsets.US_ASCII));
    }
    return new Snapshot(
        Long.parseLong(f[0]),
        Long.parseLong(f[1]),
        Long.parseLong(f[2]),
        Long.parseLong(f[3]),
        Long.parseLong(f[4]),
        Long.parseLong(f[5]));
  }

  /** Seconds between {@code earlier} and this snapshot. */
  public double secondsSince(Snapshot earlier) {
    return (nanoTime - earlier.nanoTime) / 1e9;
  }
}
