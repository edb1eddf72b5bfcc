package io.communica.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Connection;
import io.communica.core.ConnectionLostException;
import io.communica.core.Handler;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.test.contract.ConnectorContract.Resources;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

/**
 * Direct reply-to ({@code replies=direct}) and batched acknowledgements, on the real broker:
 * what the option promises, and that acknowledging in batches neither loses nor repeats work nor
 * lets a slow handler hold the prefetch window.
 */
@RequiresBroker
class AmqpRepliesAndAcksTest {

  private final Resources resources = new Resources();

  @AfterEach
  void closeAll() throws Exception {
    resources.closeAll();
  }

  private SimpleClient client(AmqpConnector address) {
    return Broker.client(resources, address);
  }

  @Test
  @Timeout(60)
  void directRepliesAnswerEveryRequestWithoutTheClientQueue() throws Exception {
    AmqpConnector address = Broker.connector("direct", "replies=direct");
    assertThat(address.directReplies()).isTrue();
    assertThat(address.dump()).contains("replies=direct");
    assertThat(((AmqpConnector) io.communica.core.Connector.load(address.dump())).directReplies())
        .isTrue();
    resources.add(
        SimpleServer.builder(address)
            .handler(Handler.nonBlocking(String.class, s -> "re:" + s))
            .start());
    SimpleClient client = resources.add(SimpleClient.builder(address).clientId("direct-1").start());
    client.connected().block(Broker.timeout());
    List<String> got =
        Flux.range(0, 2000)
            .flatMap(i -> client.request("q" + i, String.class).map(r -> i + "=" + r), 256)
            .collectList()
            .block(Duration.ofSeconds(45));
    assertThat(got).hasSize(2000).allSatisfy(r -> {
      String[] kv = r.split("=", 2);
      assertThat(kv[1]).isEqualTo("re:q" + kv[0]);
    });
    try (Connection raw = Broker.raw()) {
      // replies never went through the client's queue, and nothing is left unacknowledged there
      var ch = raw.createChannel();
      assertThat(ch.queueDeclarePassive(new Naming(address).clientQueue("direct-1")).getMessageCount())
          .isZero();
      assertThat(Broker.depth(ch, new Naming(address).addressQueue)).isZero();
    }
  }

  @Test
  @Timeout(90)
  void withDirectRepliesADroppedConnectionFailsRequestsInFlightAtOnceAndTheClientConnectsAgain()
      throws Exception {
    AmqpConnector address = Broker.connector("direct-drop", "replies=direct&liveness=10s");
    CountDownLatch started = new CountDownLatch(20);
    resources.add(
        SimpleServer.builder(address)
            .handler(
                Handler.reactive(
                    String.class,
                    s -> {
                      started.countDown();
                      return Mono.delay(Duration.ofSeconds(s.startsWith("slow") ? 20 : 0))
                          .thenReturn("re:" + s);
                    }))
            .start());
    SimpleClient client = client(address);
    BlockingQueue<Throwable> failures = new LinkedBlockingQueue<>();
    AtomicInteger answered = new AtomicInteger();
    for (int i = 0; i < 20; i++) {
      client
          .request("slow" + i, String.class)
          .subscribe(r -> answered.incrementAndGet(), failures::add);
    }
    assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(Broker.closeConnections("communica client " + address.address())).isEqualTo(1);
    long dropped = System.nanoTime();
    for (int i = 0; i < 20; i++) {
      Throwable t = failures.poll(10, TimeUnit.SECONDS);
      assertThat(t).as("request %d failed", i).isInstanceOf(ConnectionLostException.class);
    }
    // at once: long before the request timeout (30 s), and before the slow handlers (20 s) answered
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - dropped)).isLessThan(5000);
    assertThat(answered.get()).isZero();
    // the entity connects again, and requests are answered as before
    String reply =
        Mono.defer(() -> client.request("fast", String.class))
            .retryWhen(reactor.util.retry.Retry.fixedDelay(100, Duration.ofMillis(100)))
            .block(Duration.ofSeconds(30));
    assertThat(reply).isEqualTo("re:fast");
  }

  @Test
  @Timeout(90)
  void batchedAcknowledgementsHandleEveryMessageOnceAndASlowHandlerDoesNotHoldThePrefetchWindow()
      throws Exception {
    // prefetch 4: if the messages handled after a slow one waited for it to be acknowledged, at
    // most 3 more would be handled while it runs
    AmqpConnector address = Broker.connector("acks", "prefetch=4");
    CountDownLatch release = new CountDownLatch(1);
    Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
    BlockingQueue<String> order = new LinkedBlockingQueue<>();
    resources.add(
        SimpleServer.builder(address)
            .handler(
                Handler.consumer(
                    String.class,
                    s -> {
                      if (s.equals("slow")) {
                        try {
                          release.await(60, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                      }
                      handled.computeIfAbsent(s, k -> new AtomicInteger()).incrementAndGet();
                      order.add(s);
                    }))
            .start());
    // the slow message comes from another client: a connection's messages may be handled in order
    client(address).fireAndForget("slow").block(Broker.timeout());
    SimpleClient client = client(address);
    CompletableFuture<Void> sent =
        Flux.range(0, 500)
            .flatMap(i -> client.fireAndForget("m" + i), 64)
            .then()
            .toFuture();
    sent.get(30, TimeUnit.SECONDS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (handled.size() < 500 && System.nanoTime() < deadline) {
      order.poll(100, TimeUnit.MILLISECONDS);
    }
    assertThat(handled).as("handled while the slow one runs").hasSize(500);
    release.countDown();
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (handled.size() < 501 && System.nanoTime() < deadline) {
      order.poll(100, TimeUnit.MILLISECONDS);
    }
    assertThat(handled).hasSize(501).allSatisfy((s, n) -> assertThat(n.get()).isEqualTo(1));
    // every acknowledgement reached the broker: nothing is redelivered after the server closes
    resources.closeAll();
    try (Connection raw = Broker.raw()) {
      assertThat(Broker.depth(raw.createChannel(), new Naming(address).addressQueue)).isZero();
    }
  }

  @Test
  @Timeout(90)
  void requestsSettledByTheirRepliesConfirmsAreAllAcknowledgedWithinASmallPrefetchWindow()
      throws Exception {
    // direct reply-to: the broker confirms every reply on its own, and the requests they settle are
    // acknowledged together while others are in progress. With a prefetch of 4, requests
    // acknowledged late or never would stall the address after 4.
    AmqpConnector address = Broker.connector("acks-direct", "prefetch=4&replies=direct");
    resources.add(
        SimpleServer.builder(address)
            .handler(Handler.nonBlocking(String.class, s -> s + "!"))
            .start());
    SimpleClient client = client(address);
    List<String> replies =
        Flux.range(0, 400)
            .flatMap(i -> client.request("r" + i, String.class), 32)
            .collectList()
            .block(Duration.ofSeconds(60));
    assertThat(replies).hasSize(400).doesNotHaveDuplicates().allSatisfy(r -> assertThat(r).endsWith("!"));
    // one at a time afterwards: nothing else in progress, each acknowledged at once
    for (int i = 0; i < 5; i++) {
      assertThat(client.request("one" + i, String.class).block(Broker.timeout())).isEqualTo("one" + i + "!");
    }
    // and with the link still open, none left unacknowledged (closing would acknowledge them)
    String queue = new Naming(address).addressQueue;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    String unacked;
    do {
      unacked = unacknowledged(queue);
    } while (!"0".equals(unacked) && System.nanoTime() < deadline);
    assertThat(unacked).as("unacknowledged deliveries of " + queue).isEqualTo("0");
    resources.closeAll();
    try (Connection raw = Broker.raw()) {
      assertThat(Broker.depth(raw.createChannel(), new Naming(address).addressQueue)).isZero();
    }
  }

  /** The broker's count of delivered, unacknowledged messages of a queue. */
  private static String unacknowledged(String queue) throws Exception {
    for (String line : Broker.rabbitmqctl("list_queues", "-q", "name", "messages_unacknowledged").split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length == 2 && f[0].equals(queue)) {
        return f[1];
      }
    }
    return "no queue " + queue;
  }

  @Test
  @Timeout(60)
  void aServerHandlesARequestOnTheConnectionThreadThatReadItWhenItsLinkIsIdle() throws Exception {
    AmqpConnector address = Broker.connector("inline");
    List<Boolean> onConnectionThread = new java.util.concurrent.CopyOnWriteArrayList<>();
    resources.add(
        SimpleServer.builder(address)
            .handler(
                Handler.nonBlocking(
                    String.class,
                    s -> {
                      onConnectionThread.add(Thread.currentThread() instanceof SerialLoop.AmqpThread);
                      return s;
                    }))
            .start());
    SimpleClient client = client(address);
    for (int i = 0; i < 10; i++) {
      assertThat(client.request("q" + i, String.class).block(Broker.timeout())).isEqualTo("q" + i);
    }
    // one request at a time: the link's loop is idle when each arrives (a timer of the loop may
    // hold it at that moment now and then: then the event loop thread handles it)
    assertThat(onConnectionThread).hasSize(10).contains(true);
  }
}
