package io.communica.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.Connector;
import io.communica.core.SimpleClient;
import io.communica.test.contract.ChildProcess;
import io.communica.test.contract.ContractSerializer;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A soak: {@value #DEFAULT_CLIENTS} clients with a request in flight each, for a few seconds in the
 * default build ({@code -Psoak}: ten minutes), against a server in a child JVM that is killed and
 * restarted in the middle. Every request must have an outcome (an answer, or an error of a known
 * type) within its timeout: lost = sent - answered - failed = 0. Prints the counts, the failures
 * by type and the heap after GC at the start and at the end.
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class SoakTest {

  private static final int DEFAULT_CLIENTS = 1000;

  @Test
  void everyRequestHasAnOutcomeAcrossAServerRestart() throws Exception {
    int clients = Integer.getInteger("soak.clients", DEFAULT_CLIENTS);
    Duration length = Duration.ofSeconds(Long.getLong("soak.seconds", 6));
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    Connector address = TcpConnector.of("127.0.0.1", port);
    ChildProcess server = ChildProcess.start("server", address.dump());
    List<SimpleClient> all = new ArrayList<>();
    try {
      server.awaitLine("READY ", Duration.ofSeconds(30));
      long heapAtStart = heapAfterGc();
      for (int i = 0; i < clients; i++) {
        all.add(
            SimpleClient.builder(address)
                .serializer(ContractSerializer.INSTANCE)
                .clientId("soak-" + i)
                .requestTimeout(Duration.ofSeconds(10))
                .reconnectBackoff(Duration.ofMillis(100), Duration.ofSeconds(1))
                .start());
      }
      Flux.fromIterable(all)
          .flatMap(c -> c.connected(), 64)
          .then()
          .block(Duration.ofSeconds(120));

      LongAdder sent = new LongAdder();
      LongAdder answered = new LongAdder();
      Map<String, LongAdder> failed = new ConcurrentHashMap<>();
      AtomicLong wrong = new AtomicLong();
      long end = System.nanoTime() + length.toNanos();
      // each client keeps one request in flight until the end: the next one when the last ended
      Mono<Void> load =
          Flux.fromIterable(all)
              .flatMap(
                  c ->
                      Mono.defer(
                              () -> {
                                long n = sent.sum();
                                sent.increment();
                                return c.request("s" + n, String.class)
                                    .doOnNext(
                                        r -> {
                                          if (r.equals("echo:s" + n)) {
                                            answered.increment();
                                          } else {
                                            wrong.incrementAndGet();
                                          }
                                        })
                                    .onErrorResume(
                                        e -> {
                                          failed
                                              .computeIfAbsent(
                                                  e.getClass().getSimpleName(), k -> new LongAdder())
                                              .increment();
                                          return Mono.empty();
                                        })
                                    .then();
                              })
                          .repeat(() -> System.nanoTime() < end),
                  clients)
              .then();
      var running = load.toFuture();
      // the server dies in the middle and comes back on the same port
      Thread.sleep(length.toMillis() / 2); // the load runs meanwhile; nothing to wait for
      server.kill();
      server = ChildProcess.start("server", address.dump());
      server.awaitLine("READY ", Duration.ofSeconds(30));
      // every chain ends within one request timeout after the end of the soak
      running.get(length.toSeconds() + 60, TimeUnit.SECONDS);
      long heapAtEnd = heapAfterGc();

      long failures = failed.values().stream().mapToLong(LongAdder::sum).sum();
      long lost = sent.sum() - answered.sum() - failures - wrong.get();
      System.out.println(
          "COUNTS soak: " + clients + " clients, " + length.toSeconds() + " s, server restarted"
              + " once; sent " + sent.sum() + ", answered " + answered.sum() + ", failed "
              + failures + " " + failed + ", wrong " + wrong.get() + ", lost " + lost
              + "; heap after GC " + heapAtStart / (1 << 20) + " MiB at start, "
              + heapAtEnd / (1 << 20) + " MiB at end");
      assertThat(wrong.get()).isZero();
      assertThat(lost).isZero();
      assertThat(answered.sum()).isPositive();
      assertThat(failed.keySet())
          .as("only the errors of a lost connection")
          .isSubsetOf("ConnectionLostException", "RequestTimeoutException");
    } finally {
      for (SimpleClient c : all) {
        c.close();
      }
      server.close();
    }
  }

  private static long heapAfterGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
