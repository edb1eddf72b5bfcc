package io.communica.local;

import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.core.Utf8Serializer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Flux;

/**
 * Throwaway harness: p50/p99 latency (one request at a time) and throughput (64-byte requests, 256
 * in flight) of TCP on loopback, Unix sockets on epoll, and Unix sockets on junixsocket, client
 * and server in separate JVMs, measured in one run, in rounds that alternate the transports.
 *
 * <pre>
 * ./mvnw -B -q -o test-compile -pl communica-local -am
 * ./mvnw -B -q -o dependency:build-classpath -pl communica-local -Dmdep.outputFile=/tmp/cp.txt
 * java -cp communica-local/target/test-classes:communica-local/target/classes:$(cat /tmp/cp.txt) \
 *     io.communica.local.LocalVsTcpBenchmark [rounds=2] [seconds=3] [tcp,epoll,junixsocket]
 * </pre>
 */
public final class LocalVsTcpBenchmark {

  private static final byte[] PAYLOAD = new byte[64];

  private LocalVsTcpBenchmark() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    if (args.length > 2 && args[2].equals("server")) {
      serve(args[3]);
      return;
    }
    List<String> transports =
        args.length > 2 ? List.of(args[2].split(",")) : List.of("tcp", "epoll", "junixsocket");
    Path dir = Files.createTempDirectory("cbench");
    Map<String, List<double[]>> results = new LinkedHashMap<>();
    for (int round = 0; round < rounds; round++) {
      for (String transport : transports) {
        String address =
            switch (transport) {
              case "tcp" -> "tcp://127.0.0.1:0";
              default -> "unix://" + dir.resolve(transport + round + ".sock");
            };
        double[] r = measure(transport, address, seconds);
        results.computeIfAbsent(transport, k -> new ArrayList<>()).add(r);
        System.out.printf(
            "round %d %-12s p50 %7.1f us  p99 %7.1f us  %,10.0f req/s%n",
            round, transport, r[0], r[1], r[2]);
      }
    }
    System.out.println();
    System.out.println("| transport | p50 us | p99 us | req/s, 256 in flight, 64 B |");
    System.out.println("|---|---:|---:|---:|");
    Map<String, double[]> medians = new LinkedHashMap<>();
    for (var e : results.entrySet()) {
      double[] m = new double[3];
      for (int i = 0; i < 3; i++) {
        int k = i;
        double[] values = e.getValue().stream().mapToDouble(a -> a[k]).sorted().toArray();
        m[i] = values.length % 2 == 1
            ? values[values.length / 2]
            : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
      }
      medians.put(e.getKey(), m);
      System.out.printf("| %s | %.1f | %.1f | %,.0f |%n", e.getKey(), m[0], m[1], m[2]);
    }
    double[] tcp = medians.get("tcp");
    for (String t : transports) {
      double[] m = medians.get(t);
      if (t.equals("tcp")) {
        continue;
      }
      System.out.printf(
          "%s vs tcp: p50 latency x%.2f (lower is better), throughput x%.2f%n",
          t, m[0] / tcp[0], m[2] / tcp[2]);
    }
    System.exit(0);
  }

  private static double[] measure(String transport, String address, int seconds) throws Exception {
    List<String> cmd = new ArrayList<>(StdioChild.java(LocalVsTcpBenchmark.class, "0", "0", "server", address));
    cmd.add(1, "-Xmx512m");
    cmd.add(1, "-D" + LocalSockets.PROPERTY + "=" + (transport.equals("junixsocket") ? "junixsocket" : "epoll"));
    cmd.remove("-XX:TieredStopAtLevel=1");
    Process server = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = out.readLine()) != null && !line.startsWith("READY ")) {
        // skip
      }
      if (line == null) {
        throw new IllegalStateException("server did not start");
      }
      Connector c = Connector.load(line.substring(6));
      if (c instanceof LocalConnector local) {
        c = local.withSockets(transport.equals("junixsocket") ? JunixSockets.INSTANCE : EpollSockets.INSTANCE);
      }
      try (SimpleClient client =
          SimpleClient.builder(c)
              .serializer(new Utf8Serializer())
              .maxInFlight(4096)
              .start()) {
        client.connected().block(Duration.ofSeconds(10));
        latency(client, Duration.ofSeconds(1)); // warm-up
        throughput(client, Duration.ofSeconds(1));
        long[] lat = latency(client, Duration.ofSeconds(seconds));
        double rate = throughput(client, Duration.ofSeconds(seconds));
        return new double[] {lat[lat.length / 2] / 1000.0, lat[(int) (lat.length * 0.99)] / 1000.0, rate};
      }
    } finally {
      server.destroy();
      server.waitFor();
    }
  }

  private static long[] latency(SimpleClient client, Duration d) {
    long end = System.nanoTime() + d.toNanos();
    long[] samples = new long[1 << 20];
    int n = 0;
    while (System.nanoTime() < end && n < samples.length) {
      long t0 = System.nanoTime();
      client.request(PAYLOAD, byte[].class).block();
      samples[n++] = System.nanoTime() - t0;
    }
    long[] s = Arrays.copyOf(samples, n);
    Arrays.sort(s);
    return s;
  }

  private static double throughput(SimpleClient client, Duration d) {
    long t0 = System.nanoTime();
    long end = t0 + d.toNanos();
    long count =
        Flux.<Integer>generate(sink -> sink.next(0))
            .takeWhile(x -> System.nanoTime() < end)
            .flatMap(x -> client.request(PAYLOAD, byte[].class), 256)
            .count()
            .block();
    return count / ((System.nanoTime() - t0) / 1e9);
  }

  private static void serve(String address) throws InterruptedException {
    SimpleServer server =
        SimpleServer.builder(Connector.load(address))
            .serializer(new Utf8Serializer())
            .maxInFlight(4096)
            .handler(Handler.nonBlocking(byte[].class, b -> b))
            .start();
    System.out.println("READY " + server.connector().dump());
    server.run();
  }
}
