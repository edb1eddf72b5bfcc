package io.communica.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.communica.core.ConnectionLostException;
import io.communica.core.Handler;
import io.communica.core.RequestTimeoutException;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.test.contract.ConnectorContract.Resources;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * What the broker is for, tested by breaking things: server processes killed, the client's broker
 * connection closed by the broker, the broker restarted, no server at all. Each test prints a
 * {@code COUNTS} line with what it saw.
 */
@RequiresBroker
class AmqpFaultTest {

  private final Resources resources = new Resources();

  @AfterEach
  void closeAll() throws Exception {
    resources.closeAll();
  }

  private SimpleClient client(AmqpConnector address) {
    return Broker.client(resources, address);
  }

  /** Moves every {@code GOT} line of a child into {@code all} (with repeats) until it has n. */
  private static void collect(Child child, List<String> all, Set<String> distinct, int n, Duration max)
      throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    while (distinct.size() < n && System.nanoTime() < deadline) {
      String line = child.lines.poll(50, TimeUnit.MILLISECONDS);
      if (line != null && line.startsWith("GOT ")) {
        all.add(line.substring(4));
        distinct.add(line.substring(4));
      }
    }
  }

  @Test
  @Timeout(150)
  void serverKilledMidStreamOfTenThousandMessagesAndRestartedHandlesEveryConfirmedOne()
      throws Exception {
    AmqpConnector address = Broker.connector("killed", "liveness=15s&expires=2m");
    Set<String> confirmed = ConcurrentHashMap.newKeySet();
    AtomicInteger failed = new AtomicInteger();
    List<String> all = new java.util.ArrayList<>();
    Set<String> distinct = new HashSet<>();
    try (Child first = resources.add(Child.start("count", address))) {
      SimpleClient client = client(address);
      CompletableFuture<Void> sent =
          Flux.range(0, 10_000)
              .flatMap(
                  i ->
                      client
                          .fireAndForget("m" + i)
                          .doOnSuccess(v -> confirmed.add("m" + i))
                          .onErrorResume(
                              e -> {
                                failed.incrementAndGet();
                                return Mono.empty();
                              }),
                  256)
              .then()
              .toFuture();
      collect(first, all, distinct, 2000, Duration.ofSeconds(60));
      assertThat(distinct).hasSizeGreaterThanOrEqualTo(2000);
      first.kill();
      // what it printed before dying counts too
      assertThat(first.outputEnded.await(10, TimeUnit.SECONDS)).isTrue();
      for (String line; (line = first.lines.poll()) != null; ) {
        if (line.startsWith("GOT ")) {
          all.add(line.substring(4));
          distinct.add(line.substring(4));
        }
      }
      int beforeKill = distinct.size();
      Child second = resources.add(Child.start("count", address));
      sent.get(90, TimeUnit.SECONDS);
      assertThat(confirmed.size() + failed.get()).isEqualTo(10_000);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!distinct.containsAll(confirmed) && System.nanoTime() < deadline) {
        collect(second, all, distinct, 10_000, Duration.ofMillis(200));
      }
      Set<String> missing = new HashSet<>(confirmed);
      missing.removeAll(distinct);
      Naming names = new Naming(address);
      long dead;
      long waiting;
      try (Connection raw = Broker.raw()) {
        dead = Broker.depth(raw.createChannel(), names.deadLetterQueue);
        waiting = Broker.depth(raw.createChannel(), names.addressQueue);
      }
      String counts =
          "COUNTS kill-mid-stream: sent 10000, confirmed " + confirmed.size() + ", failed "
              + failed.get() + ", handled before the kill " + beforeKill + ", handled in all "
              + distinct.size() + " distinct / " + all.size() + " with repeats, missing "
              + missing.size() + ", dead-lettered " + dead + ", ready in the address queue "
              + waiting;
      System.out.println(counts);
      if (!missing.isEmpty()) {
        // held by the second server (unacknowledged) or gone: the broker's view says which
        String queues =
            Broker.rabbitmqctl(
                "list_queues", "-q", "name", "messages_ready", "messages_unacknowledged",
                "consumers");
        assertThat(missing)
            .as(
                "confirmed messages never handled (%s)%nqueues:%n%s%nthe first server logged:%n%s%n"
                    + "the second server logged:%n%s",
                counts,
                queues.lines().filter(l -> l.contains(names.addressQueue)).toList(),
                first.logTail(),
                second.logTail())
            .isEmpty();
      }
    }
  }

  @Test
  @Timeout(90)
  void brokerClosingTheClientConnectionLosesNoneOfThousandInFlightRequestsAndAnswersNoneTwice()
      throws Exception {
    AmqpConnector address = Broker.connector("closed");
    Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
    CountDownLatch started = new CountDownLatch(300);
    resources.add(
        SimpleServer.builder(address)
            .handler(
                Handler.reactive(
                    String.class,
                    s -> {
                      handled.computeIfAbsent(s, k -> new AtomicInteger()).incrementAndGet();
                      started.countDown();
                      return Mono.delay(Duration.ofMillis(200 + (s.hashCode() & 255)))
                          .thenReturn("re:" + s);
                    }))
            .start());
    SimpleClient client = client(address);
    Map<Integer, AtomicInteger> answers = new ConcurrentHashMap<>();
    CompletableFuture<List<String>> replies =
        Flux.range(0, 1000)
            .flatMap(
                i ->
                    client
                        .request("q" + i, String.class)
                        .doOnNext(r -> answers.computeIfAbsent(i, k -> new AtomicInteger()).incrementAndGet())
                        .map(r -> i + "=" + r),
                1000)
            .collectList()
            .toFuture();
    assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(Broker.closeConnections("communica client " + address.address())).isEqualTo(1);
    List<String> got = replies.get(60, TimeUnit.SECONDS);
    assertThat(got).hasSize(1000);
    for (String r : got) {
      String[] kv = r.split("=", 2);
      assertThat(kv[1]).isEqualTo("re:q" + kv[0]);
    }
    long twice = handled.values().stream().filter(n -> n.get() > 1).count();
    System.out.println(
        "COUNTS broker-closed-client: 1000 requests, 1000 replies, handled " + handled.size()
            + " distinct, handled more than once " + twice);
    assertThat(answers).hasSize(1000).allSatisfy((i, n) -> assertThat(n.get()).isEqualTo(1));
    assertThat(handled).hasSize(1000).allSatisfy((s, n) -> assertThat(n.get()).isEqualTo(1));
  }

  @Test
  @Timeout(150)
  void durableMessagesWaitingWhileTheBrokerRestartsAreDeliveredAfterIt() throws Exception {
    AmqpConnector address = Broker.connector("restart", "liveness=45s&expires=2m&addressExpires=2m");
    BlockingQueue<String> got = new LinkedBlockingQueue<>();
    SimpleServer first =
        SimpleServer.builder(address).handler(Handler.consumer(String.class, got::add)).start();
    SimpleClient client = client(address);
    first.close();
    for (int i = 0; i < 100; i++) {
      client.fireAndForget("d" + i).block(Broker.timeout());
    }
    try (Connection raw = Broker.raw()) {
      Channel ch = raw.createChannel();
      assertThat(Broker.depth(ch, new Naming(address).addressQueue)).isEqualTo(100);
    }
    try {
      Broker.rabbitmqctl("stop_app");
    } finally {
      Broker.rabbitmqctl("start_app");
    }
    resources.add(
        SimpleServer.builder(address).handler(Handler.consumer(String.class, got::add)).start());
    Set<String> distinct = new HashSet<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (distinct.size() < 100 && System.nanoTime() < deadline) {
      String s = got.poll(100, TimeUnit.MILLISECONDS);
      if (s != null) {
        distinct.add(s);
      }
    }
    System.out.println("COUNTS broker-restart: 100 confirmed before, " + distinct.size() + " delivered after");
    assertThat(distinct).hasSize(100);
    // the client came back by itself, with its id
    assertThat(client.request("after", String.class).hasElement().block(Duration.ofSeconds(60)))
        .isFalse();
    assertThat(got.poll(10, TimeUnit.SECONDS)).isEqualTo("after");
  }

  @Test
  @Timeout(120)
  void twoServerProcessesShareTheLoadAndKillingOneLosesNothing() throws Exception {
    AmqpConnector address = Broker.connector("two", "prefetch=16");
    Child a = resources.add(Child.start("echo", address));
    Child b = resources.add(Child.start("echo", address));
    // both consume the address queue before the first request: a server process that is still
    // connecting (its broker link retried under load) would see none of the first 600
    awaitConsumers(address, 2);
    SimpleClient client = client(address);
    Map<String, AtomicInteger> byPid = new ConcurrentHashMap<>();
    CountDownLatch someDone = new CountDownLatch(600);
    CompletableFuture<List<String>> replies =
        Flux.range(0, 3000)
            .flatMap(
                i ->
                    client
                        .request("r" + i, String.class)
                        .doOnNext(
                            r -> {
                              byPid.computeIfAbsent(r.substring(0, r.indexOf(':')), k -> new AtomicInteger())
                                  .incrementAndGet();
                              someDone.countDown();
                            })
                        .map(r -> i + "=" + r),
                128)
            .collectList()
            .toFuture();
    assertThat(someDone.await(60, TimeUnit.SECONDS)).isTrue();
    int fromABeforeKill = byPid.getOrDefault(String.valueOf(a.pid()), new AtomicInteger()).get();
    int fromBBeforeKill = byPid.getOrDefault(String.valueOf(b.pid()), new AtomicInteger()).get();
    a.kill();
    List<String> got = replies.get(90, TimeUnit.SECONDS);
    assertThat(got).hasSize(3000);
    for (String r : got) {
      String[] kv = r.split("=", 2);
      assertThat(kv[1]).endsWith(":r" + kv[0]);
    }
    System.out.println(
        "COUNTS two-servers: 3000 requests, before the kill A answered " + fromABeforeKill
            + " and B " + fromBBeforeKill + "; in all " + byPid);
    assertThat(fromABeforeKill).isPositive();
    assertThat(fromBBeforeKill).isPositive();
  }

  /** Waits until {@code n} consumers take from the address queue; fails after 30 s. */
  private static void awaitConsumers(AmqpConnector address, int n) throws Exception {
    String queue = new Naming(address).addressQueue;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    try (com.rabbitmq.client.Connection raw = Broker.raw()) {
      long consumers = 0;
      while (System.nanoTime() < deadline) {
        com.rabbitmq.client.Channel ch = raw.createChannel();
        consumers = ch.consumerCount(queue);
        ch.close();
        if (consumers >= n) {
          return;
        }
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
      throw new AssertionError(consumers + " of " + n + " servers consume " + queue + " after 30 s");
    }
  }

  @Test
  @Timeout(60)
  void withoutAServerRequestsFailWithNoServerWithinTheLivenessTime() throws Exception {
    AmqpConnector address = Broker.connector("noserver"); // liveness 3s
    CountDownLatch got = new CountDownLatch(1);
    SimpleServer server =
        SimpleServer.builder(address)
            .handler(
                Handler.reactive(
                    String.class,
                    s -> {
                      got.countDown();
                      return Mono.never();
                    }))
            .start();
    SimpleClient client = client(address);
    Mono<String> stuck = client.request("stuck", String.class).cache();
    stuck.subscribe(x -> {}, e -> {});
    assertThat(got.await(10, TimeUnit.SECONDS)).isTrue();
    long closed = System.nanoTime();
    server.close();
    StepVerifier.create(stuck)
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(ConnectionLostException.class)
                    .hasMessageContaining("no server answered"))
        .verify(Duration.ofSeconds(20));
    Duration took = Duration.ofNanos(System.nanoTime() - closed);
    System.out.println("COUNTS no-server: in-flight request failed " + took.toMillis() + " ms after the last server closed (liveness 3000 ms)");
    // bounded by the liveness period plus one announcement interval, far below the request timeout
    assertThat(took).isLessThan(Duration.ofSeconds(10));

    // a client that starts while no server listens connects all the same: its request waits in
    // the address queue for a server, and fails at its own timeout
    SimpleClient late =
        resources.add(
            SimpleClient.builder(address)
                .requestTimeout(Duration.ofSeconds(2))
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
                .start());
    late.connected().block(Broker.timeout());
    StepVerifier.create(late.request("x", String.class))
        .expectError(RequestTimeoutException.class)
        .verify(Duration.ofSeconds(20));
  }
}
