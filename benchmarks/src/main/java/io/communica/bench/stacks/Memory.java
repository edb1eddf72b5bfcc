package io.communica.bench.stacks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.management.ObjectName;

/**
 * What one process holds at one instant: its heap in use (after a full collection when asked),
 * its resident set and the connections its server has. Servers send it to the client on request
 * ({@link Stack#memoryRequest}), encoded as a short ASCII line, as they do {@link Snapshot}s.
 *
 * @param heapBytes the heap right after two {@link System#gc()} as the collector reports it (the
 *     heap in use when the request asked for no collection)
 * @param rssBytes resident set ({@code VmRSS} of {@code /proc/self/status}); -1 where unknown
 * @param connections connections the server has whose handshake completed (for communica, {@code
 *     clients()}); in a client's own reading, what it passed (the idle connections it opened, for
 *     the histogram's figures per connection)
 */
public record Memory(long heapBytes, long rssBytes, long connections) {

  /** No collection: a cheap reading, e.g. to poll the connection count. */
  public static final byte NO_GC = 0;

  /** Two full collections before reading the heap: heap-after-GC. */
  public static final byte GC = 1;

  /**
   * As {@link #GC}, and the server prints to its standard error (its log) the classes whose live
   * bytes grew most since its previous {@code HISTOGRAM} reading, per connection gained.
   */
  public static final byte HISTOGRAM = 2;

  /** The previous histogram this process took, class name to {instances, bytes}. */
  private static Map<String, long[]> lastHistogram = Map.of();

  private static long lastHistogramConnections;

  /** This process now; {@code how} is {@link #NO_GC}, {@link #GC} or {@link #HISTOGRAM}. */
  public static synchronized Memory take(long connections, byte how) {
    if (how == NO_GC) {
      return new Memory(
          ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), rss(), connections);
    }
    if (how == HISTOGRAM) {
      // before the collections below, so that both readings hold exactly one histogram (the one
      // kept for the next comparison)
      histogram(connections);
    }
    System.gc();
    System.gc();
    return new Memory(heapAfterLastGc(), rss(), connections);
  }

  /**
   * The heap right after the last collection, as the collector reported it: unlike the heap in use
   * read a moment later, it holds nothing the threads still running (a workload) allocated since.
   * The heap in use where the JVM does not say.
   */
  static long heapAfterLastGc() {
    com.sun.management.GcInfo last = null;
    for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof com.sun.management.GarbageCollectorMXBean g) {
        com.sun.management.GcInfo info = g.getLastGcInfo();
        if (info != null && (last == null || info.getEndTime() > last.getEndTime())) {
          last = info;
        }
      }
    }
    if (last == null) {
      return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
    long heap = 0;
    for (var pool : ManagementFactory.getMemoryPoolMXBeans()) {
      var after = last.getMemoryUsageAfterGc().get(pool.getName());
      if (pool.getType() == java.lang.management.MemoryType.HEAP && after != null) {
        heap += after.getUsed();
      }
    }
    return heap;
  }

  /** {@code VmRSS} of this process in bytes, or -1. */
  static long rss() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          String[] f = line.substring(6).trim().split("\\s+");
          return Long.parseLong(f[0]) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return -1;
  }

  /**
   * A class histogram of the live heap (which collects first, as {@code jmap -histo:live} does),
   * compared with the previous one: the 25 classes whose bytes changed most, printed to standard
   * error.
   */
  private static void histogram(long connections) {
    String text;
    try {
      text =
          (String)
              ManagementFactory.getPlatformMBeanServer()
                  .invoke(
                      new ObjectName("com.sun.management:type=DiagnosticCommand"),
                      "gcClassHistogram",
                      new Object[] {new String[0]},
                      new String[] {String[].class.getName()});
    } catch (Exception e) {
      System.err.println("no class histogram: " + e);
      return;
    }
    Map<String, long[]> now = new HashMap<>();
    for (String line : text.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 4 && f[0].endsWith(":")) {
        try {
          now.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
        } catch (NumberFormatException e) {
          // a header line
        }
      }
    }
    if (!lastHistogram.isEmpty()) {
      long gained = connections - lastHistogramConnections;
      List<Map.Entry<String, long[]>> grown = new ArrayList<>();
      for (Map.Entry<String, long[]> e : now.entrySet()) {
        long[] before = lastHistogram.getOrDefault(e.getKey(), new long[2]);
        grown.add(Map.entry(e.getKey(), new long[] {
          e.getValue()[0] - before[0], e.getValue()[1] - before[1]}));
      }
      // what changed most either way: growth per connection in an idle run, what a long run
      // gained or shed
      grown.sort((a, b) -> Long.compare(Math.abs(b.getValue()[1]), Math.abs(a.getValue()[1])));
      long total = grown.stream().mapToLong(e -> e.getValue()[1]).sum();
      StringBuilder sb = new StringBuilder();
      sb.append(
          String.format(
              Locale.ROOT,
              "HISTOGRAM live heap grew %d B over %d connections gained (%.0f B each); the classes"
                  + " that changed most:%n"
                  + "%14s %14s %10s %10s  %s%n",
              total, gained, gained == 0 ? 0.0 : (double) total / gained,
              "instances", "bytes", "inst/conn", "B/conn", "class"));
      // -Dbench.histoRows=N (a --jvm-arg) prints N classes instead of 25: a whole profile
      int rows = Integer.getInteger("bench.histoRows", 25);
      for (Map.Entry<String, long[]> e : grown.subList(0, Math.min(rows, grown.size()))) {
        long[] d = e.getValue();
        sb.append(
            String.format(
                Locale.ROOT,
                "%14d %14d %10.2f %10.1f  %s%n",
                d[0], d[1], gained == 0 ? 0.0 : (double) d[0] / gained,
                gained == 0 ? 0.0 : (double) d[1] / gained, e.getKey()));
      }
      sb.append(
          "(the previous histogram, which this process keeps for the comparison, is counted in"
              + " [B, String, [J and HashMap$Node: about 150 B per class)\n");
      System.err.print(sb);
      System.err.flush();
    }
    lastHistogram = now;
    lastHistogramConnections = connections;
  }

  /** The line a server sends back. */
  public byte[] encode() {
    return (heapBytes + " " + rssBytes + " " + connections).getBytes(StandardCharsets.US_ASCII);
  }

  /** Reads {@link #encode()}'s line. */
  public static Memory decode(byte[] line) {
    String s = new String(line, StandardCharsets.US_ASCII).trim();
    String[] f = s.split(" ");
    if (f.length != 3) {
      throw new IllegalArgumentException("not a memory reading: " + s);
    }
    return new Memory(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]));
  }
}
