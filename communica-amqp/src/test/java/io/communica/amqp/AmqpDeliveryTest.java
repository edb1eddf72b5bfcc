package io.communica.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.communica.core.Handler;
import io.communica.core.MessageTooLargeException;
import io.communica.core.OverloadedException;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.test.contract.ConnectorContract.Resources;
import io.communica.test.contract.ContractSerializer;
import io.communica.test.LogCapture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;

/** Limits, malformed input, refusals by the broker and failing handlers, on the real broker. */
@RequiresBroker
@Timeout(60)
class AmqpDeliveryTest {

  private final Resources resources = new Resources();

  @AfterEach
  void closeAll() throws Exception {
    resources.closeAll();
  }

  private SimpleServer server(AmqpConnector address, Handler h) {
    return resources.add(SimpleServer.builder(address).handler(h).start());
  }

  private SimpleClient client(SimpleClient.Builder b) {
    SimpleClient c = resources.add(b.start());
    c.connected().block(Broker.timeout());
    return c;
  }

  @Test
  void messagesLargerThanAnAmqpBodyAreRefusedOnTheSender() {
    AmqpConnector address = Broker.connector("oversize");
    int limit = 100 * 1024 * 1024;
    resources.add(
        SimpleServer.builder(address)
            .serializer(ContractSerializer.INSTANCE)
            .handler(Handler.nonBlocking(String.class, String::length))
            .maxMessageSize(limit)
            .start());
    SimpleClient client =
        client(
            SimpleClient.builder(address)
                .serializer(ContractSerializer.INSTANCE)
                .maxMessageSize(limit));
    int amqpLimit = AmqpConnector.MAX_BODY - 12 - 1024;
    String over = "x".repeat(amqpLimit + 1); // the serializer writes the string's bytes alone
    assertThatThrownBy(() -> client.request(over, Integer.class).block(Broker.timeout()))
        .isInstanceOf(MessageTooLargeException.class)
        .hasMessageContaining(String.valueOf(amqpLimit));
    assertThatThrownBy(() -> client.fireAndForget(over).block(Broker.timeout()))
        .isInstanceOf(MessageTooLargeException.class);
    // a large message under the limit crosses whole, and the connection is fine
    String big = "y".repeat(3_000_000);
    assertThat(client.request(big, Integer.class).block(Broker.timeout())).isEqualTo(3_000_000);
  }

  @Test
  void malformedMessagesAreDeadLetteredAndTheServerKeepsServing() throws Exception {
    AmqpConnector address = Broker.connector("malformed");
    Naming names = new Naming(address);
    server(address, Handler.nonBlocking(String.class, s -> "ok:" + s));
    SimpleClient client = client(SimpleClient.builder(address));
    assertThat(client.request("before", String.class).block(Broker.timeout())).isEqualTo("ok:before");
    byte[] frameBody = {1, 0x10, 0, 1, 0, 0, 0, 7, 0, 0, 0, 0, '"', 'x', '"'};
    try (Connection raw = Broker.raw()) {
      Channel ch = raw.createChannel();
      // a foreign publisher
      ch.basicPublish("", names.addressQueue, null, "hello".getBytes(StandardCharsets.UTF_8));
      // communica's mark, garbage body
      ch.basicPublish("", names.addressQueue, props("m1", Map.of()), new byte[] {9, 9, 9});
      // a well-formed request without the trailer (epoch, HELLO)
      ch.basicPublish("", names.addressQueue, props("m2", Map.of()), frameBody);
      // a trailer, but no HELLO to take the client on
      ch.basicPublish("", names.addressQueue, props("m3", Map.of()), Wire.sealed(frameBody, 7L, 1L, null));
      List<String> reasons = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (reasons.size() < 4 && System.nanoTime() < deadline) {
        GetResponse r = ch.basicGet(names.deadLetterQueue, true);
        if (r == null) {
          Thread.onSpinWait();
          continue;
        }
        Object death = r.getProps().getHeaders().get("x-death");
        reasons.add(String.valueOf(death));
      }
      assertThat(reasons).hasSize(4).allSatisfy(d -> assertThat(d).contains("rejected"));
    }
    assertThat(client.request("after", String.class).block(Broker.timeout())).isEqualTo("ok:after");
  }

  private static AMQP.BasicProperties props(String id, Map<String, Object> headers) {
    return new AMQP.BasicProperties.Builder()
        .appId(Wire.APP_ID)
        .messageId(id)
        .headers(headers)
        .build();
  }

  @Test
  void fireAndForgetCompletesOnConfirmAndFailsWhenTheBrokerRefuses() throws Exception {
    AmqpConnector address = Broker.connector("nack");
    BlockingQueue<String> got = new LinkedBlockingQueue<>();
    server(address, Handler.consumer(String.class, got::add));
    SimpleClient client = client(SimpleClient.builder(address));
    client.fireAndForget("accepted").block(Broker.timeout());
    assertThat(got.poll(10, TimeUnit.SECONDS)).isEqualTo("accepted");
    AutoCloseable full = Broker.fullAddressQueue(address);
    try {
      assertThatThrownBy(() -> client.fireAndForget("refused").block(Broker.timeout()))
          .isInstanceOf(OverloadedException.class)
          .hasMessageContaining("nack");
    } finally {
      full.close();
    }
  }

  @Test
  void aClientThatOnlySendsOutlivesItsKeepAliveTimeout() throws Exception {
    // over a broker the sessions' PINGs are answered by the transport and never travel: a client
    // that writes all the time sends none and reads nothing, and lives by the transport's liveness
    AmqpConnector address = Broker.connector("sender", "liveness=1s");
    Duration interval = Duration.ofMillis(200);
    Duration timeout = Duration.ofMillis(600);
    Semaphore handled = new Semaphore(0);
    resources.add(
        SimpleServer.builder(address)
            .keepAlive(interval, timeout)
            .handler(Handler.consumer(String.class, m -> handled.release()))
            .start());
    SimpleClient client = client(SimpleClient.builder(address).keepAlive(interval, timeout));
    long sendFor = TimeUnit.MILLISECONDS.toNanos(5 * timeout.toMillis());
    long end = System.nanoTime() + sendFor;
    // 64 messages outstanding at a time, each sent as soon as one is confirmed: never idle
    Long sent =
        Flux.<Integer>generate(
                sink -> {
                  if (System.nanoTime() - end < 0) {
                    sink.next(0);
                  } else {
                    sink.complete();
                  }
                })
            .flatMap(i -> client.fireAndForget("m").thenReturn(1), 64)
            .count()
            .block(Duration.ofSeconds(30));
    assertThat(sent).isPositive();
    // a connection closed by the session's keep-alive fails the messages in flight (the flux errs)
    assertThat(handled.tryAcquire(Math.toIntExact(sent), 20, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aMessageRedeliveredAfterItsProcessDiedGetsItsRetryToo() throws Exception {
    AmqpConnector address = Broker.connector("crashed");
    Naming names = new Naming(address);
    AtomicInteger calls = new AtomicInteger();
    BlockingQueue<String> handled = new LinkedBlockingQueue<>();
    Handler failsOnce =
        Handler.consumer(
            String.class,
            s -> {
              if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("first time fails");
              }
              handled.add(s);
            });
    SimpleServer first = server(address, failsOnce);
    SimpleClient client = client(SimpleClient.builder(address));
    first.close();
    // no server now: the message waits in the address queue
    client.fireAndForget("victim").block(Broker.timeout());
    try (Connection raw = Broker.raw()) {
      // a process that took the message and died: the broker gives it back marked redelivered.
      // (The first server's close goes on after close() returns: until its consumer is gone it
      // could hold the message, so the test waits until the message is in the queue, ready.)
      Channel ch = raw.createChannel();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (Broker.depth(ch, names.addressQueue) < 1 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      GetResponse taken = ch.basicGet(names.addressQueue, false);
      assertThat(taken).isNotNull();
      ch.close();
    }
    server(address, failsOnce);
    assertThat(handled.poll(10, TimeUnit.SECONDS)).isEqualTo("victim");
    assertThat(calls.get()).isEqualTo(2);
    try (Connection raw = Broker.raw()) {
      assertThat(Broker.depth(raw.createChannel(), names.deadLetterQueue)).isZero();
    }
  }

  @Test
  void aFailingHandlerGetsTheMessageOnceMoreThenItIsDeadLettered() throws Exception {
    AmqpConnector address = Broker.connector("flaky");
    Naming names = new Naming(address);
    AtomicInteger flakyCalls = new AtomicInteger();
    AtomicInteger brokenCalls = new AtomicInteger();
    BlockingQueue<String> handled = new LinkedBlockingQueue<>();
    server(
        address,
        Handler.consumer(
            String.class,
            s -> {
              if (s.equals("flaky") && flakyCalls.incrementAndGet() == 1) {
                throw new IllegalStateException("first time fails");
              }
              if (s.equals("broken")) {
                brokenCalls.incrementAndGet();
                throw new IllegalStateException("always fails");
              }
              handled.add(s);
            }));
    SimpleClient client = client(SimpleClient.builder(address));
    try (LogCapture logs = LogCapture.start()) {
      client.fireAndForget("flaky").block(Broker.timeout());
      client.fireAndForget("broken").block(Broker.timeout());
      assertThat(handled.poll(10, TimeUnit.SECONDS)).isEqualTo("flaky");
      assertThat(flakyCalls.get()).isEqualTo(2);
      // the WARN line itself says what went wrong, not only the stack trace under it
      assertThat(logs.text().lines().filter(l -> l.contains("WARN") && l.contains("handler")))
          .anySatisfy(l -> assertThat(l).contains("first time fails"));
    }
    try (Connection raw = Broker.raw()) {
      Channel ch = raw.createChannel();
      GetResponse dead = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (dead == null && System.nanoTime() < deadline) {
        dead = ch.basicGet(names.deadLetterQueue, true);
      }
      assertThat(dead).isNotNull();
      assertThat(new String(dead.getBody(), StandardCharsets.UTF_8)).contains("broken");
    }
    assertThat(brokenCalls.get()).isEqualTo(2);
  }

  @Test
  void requestTimeoutStillAppliesWhileTheRequestWaitsInTheQueue() {
    AmqpConnector address = Broker.connector("slow", "prefetch=1");
    server(
        address,
        Handler.blocking(
            String.class,
            s -> {
              java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(1500).toNanos());
              return s;
            }));
    SimpleClient client = client(SimpleClient.builder(address));
    var first = client.request("first", String.class).toFuture();
    assertThatThrownBy(
            () -> client.request("second", String.class, Duration.ofMillis(300)).block(Broker.timeout()))
        .isInstanceOf(io.communica.core.RequestTimeoutException.class);
    assertThat(first.join()).isEqualTo("first");
  }

  @Test
  void aLogShipperStartedBeforeItsCollectorHasItsMessagesWaitInTheAddressQueue() throws Exception {
    AmqpConnector address = Broker.connector("shipper");
    // no server has ever listened on this address: the client declares the address queue itself
    SimpleClient shipper = resources.add(SimpleClient.builder(address).start());
    for (int i = 0; i < 20; i++) {
      shipper.fireAndForget("line " + i).block(Duration.ofSeconds(10));
    }
    try (Connection raw = Broker.raw()) {
      assertThat(Broker.depth(raw.createChannel(), new Naming(address).addressQueue)).isEqualTo(20);
    }
    BlockingQueue<String> collected = new LinkedBlockingQueue<>();
    server(address, Handler.consumer(String.class, collected::add));
    List<String> got = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String line = collected.poll(10, TimeUnit.SECONDS);
      assertThat(line).as("message " + i).isNotNull();
      got.add(line);
    }
    assertThat(got).containsExactlyInAnyOrderElementsOf(
        java.util.stream.IntStream.range(0, 20).mapToObj(i -> "line " + i).toList());
    // and the client now talks to the server that came up
    assertThat(shipper.request("ping", String.class, Duration.ofSeconds(10)).hasElement().block(Broker.timeout()))
        .isFalse();
  }

  @Test
  void aFullAddressQueueRefusesTheSendWithOverloadedAndKeepsWhatItHolds() throws Exception {
    AmqpConnector address = Broker.connector("full", "maxLength=5");
    SimpleClient shipper = resources.add(SimpleClient.builder(address).start());
    for (int i = 0; i < 5; i++) {
      shipper.fireAndForget("kept " + i).block(Duration.ofSeconds(10));
    }
    assertThatThrownBy(() -> shipper.fireAndForget("one too many").block(Duration.ofSeconds(10)))
        .isInstanceOf(OverloadedException.class)
        .hasMessageContaining("nack")
        .hasMessageContaining("maxLength");
    BlockingQueue<String> collected = new LinkedBlockingQueue<>();
    server(address, Handler.consumer(String.class, collected::add));
    List<String> got = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      got.add(collected.poll(10, TimeUnit.SECONDS));
    }
    assertThat(got).containsExactlyInAnyOrder("kept 0", "kept 1", "kept 2", "kept 3", "kept 4");
    assertThat(collected.poll(500, TimeUnit.MILLISECONDS)).isNull();
  }
}
