package io.communica.bench;

import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.core.Utf8Serializer;
import io.communica.hub.Emission;
import io.communica.hub.Hub;
import io.communica.hub.Node;
import io.communica.hub.Overflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The hub's fan-out (issue 13): events per second from one emitter to 1, 10 and 100 subscribers
 * (64 B of data), signals per second from one node to another, and beside them the same fan-out
 * done directly: one client per server firing each message at 10 servers. Everything runs in this
 * JVM over TCP on loopback, so the figures compare the paths, not the machines; the data is raw
 * bytes (the utf8 serializer) on both paths.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.communica.bench.HubBench [--seconds 10] [--repeats 3] [--transport tcp|unix]
 * </pre>
 *
 * Each case warms up for a third of its time, then counts deliveries (events received by all
 * subscribers, messages received by all servers, signals received) over the measured window. Each
 * repeat runs the direct fan-out and then the hub's 10 subscribers, and prints their ratio (the
 * issue's goal: at least 0.5), then the other cases; the machine may be shared, so each case also
 * prints the CPU this JVM and the rest of the machine used.
 */
public final class HubBench {

  private static final byte[] DATA = new byte[64];
  private static final int IN_FLIGHT = 256;

  private HubBench() {}

  public static void main(String[] args) throws Exception {
    double seconds = 10;
    int repeats = 3;
    String transport = "tcp";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--seconds" -> seconds = Double.parseDouble(args[++i]);
        case "--repeats" -> repeats = Integer.parseInt(args[++i]);
        case "--transport" -> transport = args[++i];
        default -> {
          System.err.println("usage: HubBench [--seconds N] [--repeats N] [--transport tcp|unix]");
          System.exit(2);
        }
      }
    }
    Duration measure = Duration.ofMillis((long) (seconds * 1000));
    String tr = transport;
    System.out.printf(Locale.ROOT,
        "hub fan-out over %s, %s s measured per case, %d repeats, 64 B, %d cores, Java %s%n",
        transport, seconds, repeats, Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.runtime.version"));
    System.out.println("(cpu: cores this JVM used / cores the rest of the machine used meanwhile)");
    List<Double> ratios = new ArrayList<>();
    for (int r = 1; r <= repeats; r++) {
      System.out.println("-- repeat " + r);
      // the baseline first, then the hub's 10, so that the ratio compares neighbours in time
      Rate direct = report("direct fire-and-forget, 1 client -> 10 servers",
          () -> directFanOut(address(tr), 10, measure));
      Rate hub10 = report("hub events, 1 emitter -> 10 subscribers",
          () -> hubEvents(address(tr), 10, measure));
      double ratio = hub10.deliveredPerSecond() / direct.deliveredPerSecond();
      ratios.add(ratio);
      System.out.printf(Locale.ROOT, "%-50s %14.2f (goal >= 0.5)%n",
          "ratio hub 10 / direct 10", ratio);
      for (int subscribers : new int[] {1, 100}) {
        report("hub events, 1 emitter -> " + subscribers + " subscribers",
            () -> hubEvents(address(tr), subscribers, measure));
      }
      report("hub signals, 1 node -> 1 node", () -> hubSignals(address(tr), measure));
    }
    ratios.sort(null);
    System.out.printf(Locale.ROOT, "ratio hub 10 / direct 10 over %d repeats: median %.2f, %s%n",
        repeats, ratios.get(ratios.size() / 2), ratios.stream()
            .map(x -> String.format(Locale.ROOT, "%.2f", x)).toList());
  }

  private static Connector address(String transport) {
    return Connector.load(
        transport.equals("unix")
            ? "unix://" + System.getProperty("java.io.tmpdir") + "/hubbench-" + System.nanoTime()
                + ".sock"
            : "tcp://127.0.0.1:0");
  }

  /**
   * @param deliveredPerSecond messages received by all receivers
   * @param sentPerSecond sends completed (emits acknowledged, fan-outs written)
   * @param ownCores CPU this JVM used over the measured window, in cores
   * @param otherCores CPU the rest of the machine used meanwhile, in cores (-1 where unknown)
   */
  private record Rate(
      double deliveredPerSecond, double sentPerSecond, double ownCores, double otherCores) {}

  private interface Case {
    Rate run() throws Exception;
  }

  private static Rate report(String name, Case c) throws Exception {
    Rate r = c.run();
    System.out.printf(Locale.ROOT, "%-50s %,14.0f delivered/s %,12.0f sent/s  cpu %.2f / %.2f%n",
        name, r.deliveredPerSecond(), r.sentPerSecond(), r.ownCores(), r.otherCores());
    return r;
  }

  private static long ownCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** Sends with {@code send} (IN_FLIGHT at a time) until stopped; returns the count sent. */
  private static Rate drive(Duration measure, LongAdder delivered,
      java.util.function.Supplier<Mono<?>> send) throws InterruptedException {
    AtomicBoolean stop = new AtomicBoolean();
    LongAdder sent = new LongAdder();
    var running =
        Flux.generate(s -> s.next(1))
            .takeWhile(x -> !stop.get())
            .flatMap(x -> send.get().doOnSuccess(v -> sent.increment()), IN_FLIGHT)
            .onErrorContinue((e, o) -> {})
            .subscribe();
    Thread.sleep(Math.max(200, measure.toMillis() / 3)); // warm-up
    long d0 = delivered.sum();
    long s0 = sent.sum();
    long own0 = ownCpuNanos();
    long busy0 = Machine.busyCpuNanos();
    long t0 = System.nanoTime();
    Thread.sleep(measure.toMillis());
    long elapsed = System.nanoTime() - t0;
    double secs = elapsed / 1e9;
    double own = (ownCpuNanos() - own0) / (double) elapsed;
    long busy1 = Machine.busyCpuNanos();
    double other =
        busy0 < 0 || busy1 < 0 ? -1 : Math.max(0, (busy1 - busy0) / (double) elapsed - own);
    Rate r = new Rate((delivered.sum() - d0) / secs, (sent.sum() - s0) / secs, own, other);
    stop.set(true);
    running.dispose();
    return r;
  }

  private static Rate hubEvents(Connector address, int subscribers, Duration measure)
      throws Exception {
    List<AutoCloseable> open = new ArrayList<>();
    try {
      Hub hub = Hub.builder(address).start();
      open.add(hub);
      Node emitter = node(hub, "emitter", open);
      emitter.createEvent("bench", Emission.SINGLE).block(Duration.ofSeconds(10));
      LongAdder delivered = new LongAdder();
      for (int i = 0; i < subscribers; i++) {
        Node n = node(hub, "sub-" + i, open);
        n.subscribe("bench", byte[].class, Overflow.DROP_OLDEST, 0)
            .subscribe(e -> delivered.increment());
        n.whenSubscribed("bench").block(Duration.ofSeconds(10));
      }
      return drive(measure, delivered, () -> emitter.emit("bench", DATA));
    } finally {
      closeAll(open);
    }
  }

  private static Rate hubSignals(Connector address, Duration measure) throws Exception {
    List<AutoCloseable> open = new ArrayList<>();
    try {
      Hub hub = Hub.builder(address).start();
      open.add(hub);
      Node from = node(hub, "from", open);
      Node to = node(hub, "to", open);
      LongAdder delivered = new LongAdder();
      to.signals().subscribe(s -> delivered.increment());
      return drive(measure, delivered, () -> from.signal("to", 1));
    } finally {
      closeAll(open);
    }
  }

  private static Rate directFanOut(Connector address, int servers, Duration measure)
      throws Exception {
    List<AutoCloseable> open = new ArrayList<>();
    try {
      LongAdder delivered = new LongAdder();
      List<SimpleClient> clients = new ArrayList<>();
      for (int i = 0; i < servers; i++) {
        SimpleServer s =
            SimpleServer.builder(i == 0 ? address : address(address.scheme()))
                .serializer(new Utf8Serializer())
                .handler(Handler.nonBlocking(byte[].class, b -> {
                  delivered.increment();
                  return null;
                }))
                .start();
        open.add(s);
        SimpleClient c =
            SimpleClient.builder(s.connector()).serializer(new Utf8Serializer()).start();
        open.add(c);
        c.connected().block(Duration.ofSeconds(10));
        clients.add(c);
      }
      return drive(measure, delivered,
          () -> Flux.fromIterable(clients).flatMap(c -> c.fireAndForget(DATA)).then());
    } finally {
      closeAll(open);
    }
  }

  private static Node node(Hub hub, String id, List<AutoCloseable> open) {
    Node n = Node.builder(hub.connector()).id(id).serializer(new Utf8Serializer()).start();
    open.add(n);
    n.connected().block(Duration.ofSeconds(10));
    return n;
  }

  private static void closeAll(List<AutoCloseable> open) throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }
}
