package io.communica.bench;

import io.communica.bench.CaseResult.Latency;
import io.communica.bench.CaseResult.MemoryUse;
import io.communica.bench.CaseResult.Usage;
import io.communica.bench.stacks.Backlog;
import io.communica.bench.stacks.BenchClient;
import io.communica.bench.stacks.BenchServer;
import io.communica.bench.stacks.Memory;
import io.communica.bench.stacks.Meter;
import io.communica.bench.stacks.Snapshot;
import io.communica.bench.stacks.Stack;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * What the child processes run. The server prints {@code READY <address>} and serves until its
 * standard input closes; the client runs one case and prints {@code PHASE <name> <millis>} as it
 * enters the warm-up and the measured window, then {@code RESULT <json>}.
 */
final class Roles {

  static final String READY = "READY ";
  static final String PHASE = "PHASE ";
  static final String RESULT = "RESULT ";
  static final String JFR_START = "jfr-start";
  static final String JFR_STOP = "jfr-stop";

  private Roles() {}

  /**
   * Serves until standard input reaches its end; the lines {@code jfr-start} and {@code jfr-stop}
   * on it bracket the measured window for {@link Profiler}.
   */
  static void server(String stackName, String bind) throws Exception {
    LongAdder received = new LongAdder();
    Profiler profiler = new Profiler();
    try (BenchServer server = Stack.named(stackName).serve(bind, received)) {
      System.out.println(READY + server.address());
      System.out.flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null) {
        switch (line) {
          case JFR_START -> profiler.start();
          case JFR_STOP -> profiler.stop();
          default -> throw new IllegalArgumentException("unknown command " + line);
        }
      }
    } finally {
      profiler.stop();
    }
  }

  /** Runs case {@code c} against the server at {@code address}. */
  static CaseResult client(
      BenchCase c, String address, long warmupMs, long measureMs, PrintStream out)
      throws Exception {
    byte[] payload = new byte[c.payload()];
    Arrays.fill(payload, (byte) 'x');
    try (BenchClient client = Stack.named(c.stack()).connect(address)) {
      return switch (c.kind()) {
        case LATENCY -> latency(c, client, payload, warmupMs, measureMs, out);
        case THROUGHPUT, FIRE_AND_FORGET, STREAM ->
            flow(c, client, payload, warmupMs, measureMs, out);
        case IDLE -> idle(c, client, payload, out);
        case LONG -> longRun(c, client, payload, warmupMs, out);
      };
    }
  }

  private static void phase(PrintStream out, String name, long millis) {
    out.println(PHASE + name + " " + millis);
    out.flush();
  }

  /** A progress note the harness prints as it is; also keeps its watchdog from ending the case. */
  private static void note(PrintStream out, String text) {
    out.println(PHASE + NOTE + " " + text);
    out.flush();
  }

  static final String NOTE = "note";

  /** A JVM whose JIT compiled less than this in the last second of the warm-up is settled. */
  static final long JIT_SETTLED_MS_PER_S = 50;

  /**
   * How much longer than asked a warm-up may run while a JIT compiler is still at work: three
   * times the asked warm-up (15 s for the full run's 5 s), at most {@value #JIT_EXTRA_MAX_MS} ms.
   */
  static final long JIT_EXTRA_MAX_MS = 30_000;

  /**
   * Runs the asked warm-up, then goes on warming, a second at a time, while either JVM's JIT
   * compilers still compile (more than {@value #JIT_SETTLED_MS_PER_S} ms in the last second), for
   * at most three times the asked warm-up more (capped at {@value #JIT_EXTRA_MAX_MS} ms), so that
   * the measured window sees the code compiled, not the compilers. The first second judged is the
   * last of the asked warm-up, so a case whose compilers are done by then costs nothing more. A
   * stack with more code takes longer to compile; on a slow machine communica's server was still
   * compiling 12 s into a case (the compiler thread used more CPU than the loop). {@code work}
   * runs the load meanwhile when the calling thread is the one that makes it (the latency mode),
   * else it sleeps a little. Tells the harness how long it went on.
   */
  private static void warmUp(BenchClient client, PrintStream out, long warmupMs, Runnable work)
      throws Exception {
    long window = Math.min(1000, warmupMs);
    runFor(warmupMs - window, work);
    long maxNanos = TimeUnit.MILLISECONDS.toNanos(Math.min(JIT_EXTRA_MAX_MS, 3 * warmupMs));
    Snapshot c0 = Snapshot.take(0);
    Snapshot s0 = client.serverSnapshot();
    runFor(window, work);
    long start = System.nanoTime();
    while (c0.jitMillis() >= 0) {
      Snapshot c1 = Snapshot.take(0);
      Snapshot s1 = client.serverSnapshot();
      // compiler milliseconds per second of the window just ended
      double perSecond = 1000.0 / Math.max(1, window);
      boolean settled =
          (c1.jitMillis() - c0.jitMillis()) * perSecond < JIT_SETTLED_MS_PER_S
              && (s1.jitMillis() < 0
                  || (s1.jitMillis() - s0.jitMillis()) * perSecond < JIT_SETTLED_MS_PER_S);
      if (settled || System.nanoTime() - start >= maxNanos) {
        break;
      }
      c0 = c1;
      s0 = s1;
      window = 1000;
      runFor(window, work);
    }
    long extra = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    if (extra >= 500) {
      note(out, "warm-up went on " + Math.round(extra / 1000.0) + " s more while the JIT compiled");
    }
  }

  /** Runs {@code work} again and again for {@code ms} milliseconds. */
  private static void runFor(long ms, Runnable work) {
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
    while (System.nanoTime() - until < 0) {
      work.run();
    }
  }

  private static void pause() {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * A reading of both sides that is thrown away: the classes the readings use (the histogram, its
   * comparison, the formatting) are loaded and their lambdas spun before the first reading that
   * counts, not between the two (about 250 KB, which is 6% of the floor's heap).
   */
  private static void warmReadings(BenchClient client) throws Exception {
    client.serverMemory(Memory.HISTOGRAM);
    Memory.take(0, Memory.HISTOGRAM);
  }

  /** How long the server may take to count the idle connections the client has up. */
  private static final long IDLE_COUNT_TIMEOUT_MS = 120_000;

  /**
   * {@code idle<N>}: the server's heap after GC, RSS and connection count with this client's two
   * connections up (a few requests made on them first), then again once N more connections, each a
   * client as users make it, are up and counted by the server; the same of this client's JVM. Both
   * print a class histogram of what grew to their logs. The window is the opening.
   */
  private static CaseResult idle(BenchCase c, BenchClient client, byte[] payload, PrintStream out)
      throws Exception {
    int n = Math.toIntExact(c.count());
    for (int i = 0; i < 1000; i++) {
      client.roundTrip(payload);
    }
    warmReadings(client);
    Memory sb = client.serverMemory(Memory.HISTOGRAM);
    Memory cb = Memory.take(0, Memory.HISTOGRAM);
    note(out, "opening " + n + " idle connections");
    Snapshot s0 = client.serverSnapshot();
    Snapshot c0 = Snapshot.take(0);
    long busy0 = Machine.busyCpuNanos();
    int step = Math.max(1, n / 10);
    java.util.concurrent.atomic.AtomicInteger opened = new java.util.concurrent.atomic.AtomicInteger();
    // left open until this JVM ends: closing them is not measured
    AutoCloseable idle =
        client.openIdle(
            n,
            () -> {
              int k = opened.incrementAndGet();
              if (k % step == 0 && k < n) {
                note(out, Integer.toString(k));
              }
            });
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(IDLE_COUNT_TIMEOUT_MS);
    Memory counted = client.serverMemory(Memory.NO_GC);
    while (counted.connections() < sb.connections() + n && System.nanoTime() - deadline < 0) {
      Thread.sleep(100);
      counted = client.serverMemory(Memory.NO_GC);
    }
    Snapshot c1 = Snapshot.take(n);
    long busy1 = Machine.busyCpuNanos();
    Snapshot s1 = client.serverSnapshot();
    Memory sa = client.serverMemory(Memory.HISTOGRAM);
    Memory ca = Memory.take(n, Memory.HISTOGRAM);
    long gained = sa.connections() - sb.connections();
    String error =
        gained == n
            ? null
            : "the server counts " + gained + " more connections, not " + n;
    CaseResult r =
        result(c, c1.secondsSince(c0), n, 0, null, c0, c1, s0, s1, busy1 - busy0,
            error == null ? 0 : 1, error);
    java.lang.ref.Reference.reachabilityFence(idle); // open up to the readings above
    return r.withMemory(
        MemoryUse.of(
            n, 0, sb.heapBytes(), sa.heapBytes(), sb.rssBytes(), sa.rssBytes(), cb.heapBytes(),
            ca.heapBytes(), cb.rssBytes(), ca.rssBytes()));
  }

  /**
   * {@code long<N>}: requests on one connection, {@link BenchCase#LONG_IN_FLIGHT} in flight; after
   * the warm-up, both sides' heap after GC; then N requests; then both again, each side printing to
   * its log the classes whose live bytes changed most. The window is the N requests.
   */
  private static CaseResult longRun(
      BenchCase c, BenchClient client, byte[] payload, long warmupMs, PrintStream out)
      throws Exception {
    long n = c.count();
    Meter meter = new Meter();
    client.startRequests(payload, c.inFlight(), meter);
    phase(out, "warmup", warmupMs);
    Thread.sleep(warmupMs);
    warmReadings(client);
    Memory sb = client.serverMemory(Memory.HISTOGRAM);
    Memory cb = Memory.take(0, Memory.HISTOGRAM);
    note(out, n + " requests:");
    Snapshot s0 = client.serverSnapshot();
    Snapshot c0 = Snapshot.take(meter.count());
    long busy0 = Machine.busyCpuNanos();
    long target = c0.count() + n;
    long lastNote = System.nanoTime();
    while (meter.count() < target && meter.errors() == 0) {
      Thread.sleep(10);
      if (System.nanoTime() - lastNote > TimeUnit.SECONDS.toNanos(10)) {
        lastNote = System.nanoTime();
        note(out, Math.round(100.0 * (meter.count() - c0.count()) / n) + "%");
      }
    }
    Snapshot c1 = Snapshot.take(meter.count());
    long busy1 = Machine.busyCpuNanos();
    Snapshot s1 = client.serverSnapshot();
    Memory sa = client.serverMemory(Memory.HISTOGRAM);
    Memory ca = Memory.take(0, Memory.HISTOGRAM);
    meter.stop();
    Throwable error = meter.firstError();
    long done = c1.count() - c0.count();
    CaseResult r =
        result(c, c1.secondsSince(c0), done, 0, null, c0, c1, s0, s1, busy1 - busy0,
            meter.errors(), error == null ? null : error.toString());
    return r.withMemory(
        MemoryUse.of(
            1, done, sb.heapBytes(), sa.heapBytes(), sb.rssBytes(), sa.rssBytes(), cb.heapBytes(),
            ca.heapBytes(), cb.rssBytes(), ca.rssBytes()));
  }

  private static CaseResult latency(
      BenchCase c, BenchClient client, byte[] payload, long warmupMs, long measureMs, PrintStream out)
      throws Exception {
    phase(out, "warmup", warmupMs);
    warmUp(
        client,
        out,
        warmupMs,
        () -> {
          try {
            client.roundTrip(payload);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
    Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    Profiler profiler = new Profiler();
    phase(out, "measure", measureMs);
    profiler.start();
    Snapshot s0 = client.serverSnapshot();
    Snapshot c0 = Snapshot.take(0);
    long busy0 = Machine.busyCpuNanos();
    long end = c0.nanoTime() + TimeUnit.MILLISECONDS.toNanos(measureMs);
    long n = 0;
    long t = System.nanoTime();
    while (t - end < 0) {
      client.roundTrip(payload);
      long t1 = System.nanoTime();
      h.recordValue(Math.min(t1 - t, h.getHighestTrackableValue()));
      t = t1;
      n++;
    }
    Snapshot c1 = Snapshot.take(n);
    long busy1 = Machine.busyCpuNanos();
    Snapshot s1 = client.serverSnapshot();
    profiler.stop();
    Latency lat =
        new Latency(
            h.getValueAtPercentile(50) / 1e3,
            h.getValueAtPercentile(90) / 1e3,
            h.getValueAtPercentile(99) / 1e3,
            h.getValueAtPercentile(99.9) / 1e3,
            h.getMaxValue() / 1e3,
            h.getMean() / 1e3,
            h.getTotalCount());
    double seconds = c1.secondsSince(c0);
    return result(c, seconds, n, 0, lat, c0, c1, s0, s1, busy1 - busy0, 0, null);
  }

  private static CaseResult flow(
      BenchCase c, BenchClient client, byte[] payload, long warmupMs, long measureMs, PrintStream out)
      throws Exception {
    Meter meter = new Meter();
    Thread sender = null;
    boolean clientCounted = c.kind() != BenchCase.Kind.FIRE_AND_FORGET;
    if (c.kind() == BenchCase.Kind.THROUGHPUT && c.flatMap()) {
      client.startFlatMap(payload, c.inFlight(), meter);
    } else if (c.kind() == BenchCase.Kind.THROUGHPUT) {
      client.startRequests(payload, c.inFlight(), meter);
    } else if (c.kind() == BenchCase.Kind.STREAM) {
      client.startStream(payload, meter);
    } else {
      Backlog backlog =
          new Backlog(
              Backlog.DEFAULT_BYTES, c.payload(), client, meter, c.transport().equals("udp"));
      sender =
          new Thread(
              () -> {
                try {
                  client.runFire(payload, meter, backlog);
                } catch (Exception e) {
                  if (!meter.stopped()) {
                    meter.fail(e);
                  }
                }
              },
              "bench-sender");
      sender.setDaemon(true);
      sender.start();
    }
    phase(out, "warmup", warmupMs);
    warmUp(client, out, warmupMs, Roles::pause);
    Profiler profiler = new Profiler();
    phase(out, "measure", measureMs);
    profiler.start();
    Snapshot s0 = client.serverSnapshot();
    Snapshot c0 = Snapshot.take(meter.count());
    long busy0 = Machine.busyCpuNanos();
    Thread.sleep(measureMs);
    Snapshot c1 = Snapshot.take(meter.count());
    long busy1 = Machine.busyCpuNanos();
    Snapshot s1 = client.serverSnapshot();
    profiler.stop();
    meter.stop();
    if (sender != null) {
      sender.join(10_000);
    }
    Throwable error = meter.firstError();
    String message = error == null ? null : error.toString();
    if (clientCounted) {
      return result(c, c1.secondsSince(c0), c1.count() - c0.count(), 0, null, c0, c1, s0, s1,
          busy1 - busy0, meter.errors(), message);
    }
    long received = s1.count() - s0.count();
    double sentPerSec = (c1.count() - c0.count()) / c1.secondsSince(c0);
    return result(c, s1.secondsSince(s0), received, sentPerSec, null, c0, c1, s0, s1,
        busy1 - busy0, meter.errors(), message);
  }

  private static CaseResult result(
      BenchCase c,
      double seconds,
      long ops,
      double sentPerSec,
      @Nullable Latency latency,
      Snapshot c0,
      Snapshot c1,
      Snapshot s0,
      Snapshot s1,
      long machineBusyNanos,
      long errors,
      @Nullable String error) {
    Usage client = usage(c0, c1, ops);
    Usage server = usage(s0, s1, ops);
    double window = c1.secondsSince(c0);
    double other =
        machineBusyNanos < 0
            ? -1
            : Math.max(0, machineBusyNanos / 1e9 - client.cpuSeconds() - server.cpuSeconds())
                / window;
    return new CaseResult(
        c.id(), c.stack(), c.transport(), c.payload(), c.mode(), c.inFlight(), 1, seconds, ops,
        ops / seconds, sentPerSec, latency, client, server, other, errors, error, null);
  }

  private static Usage usage(Snapshot a, Snapshot b, long ops) {
    double cpu = (b.cpuNanos() - a.cpuNanos()) / 1e9;
    return new Usage(
        cpu,
        cpu / b.secondsSince(a),
        ops == 0 ? 0 : cpu * 1e6 / ops,
        b.gcCount() - a.gcCount(),
        b.gcMillis() - a.gcMillis(),
        a.jitMillis() < 0 || b.jitMillis() < 0 ? -1 : b.jitMillis() - a.jitMillis());
  }
}
