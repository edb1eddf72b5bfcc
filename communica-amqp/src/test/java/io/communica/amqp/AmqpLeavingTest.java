package io.communica.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.communica.core.Handler;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.test.contract.ConnectorContract.Resources;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Clients that leave: what they leave behind on the broker and in the servers' lists. */
@RequiresBroker
@Timeout(60)
class AmqpLeavingTest {

  private final Resources resources = new Resources();

  @AfterEach
  void closeAll() throws Exception {
    resources.closeAll();
  }

  private SimpleServer server(AmqpConnector address) {
    return resources.add(
        SimpleServer.builder(address).handler(Handler.nonBlocking(String.class, s -> s)).start());
  }

  private SimpleClient client(SimpleClient.Builder b) {
    SimpleClient c = resources.add(b.start());
    c.connected().block(Broker.timeout());
    return c;
  }

  private static boolean queueExists(String queue) throws Exception {
    try (Connection raw = Broker.raw()) {
      Channel ch = raw.createChannel();
      try {
        ch.queueDeclarePassive(queue);
        return true;
      } catch (IOException e) {
        return false; // 404: the channel is closed with it
      }
    }
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 10 s: " + what);
      }
      Thread.sleep(20); // polling the broker: there is no signal to wait for
    }
  }

  @Test
  void aClientWithAGeneratedIdTakesItsQueueAlongOnACleanClose() throws Exception {
    AmqpConnector address = Broker.connector("leaving");
    Naming names = new Naming(address);
    server(address);
    SimpleClient anonymous = client(SimpleClient.builder(address));
    SimpleClient named = client(SimpleClient.builder(address).clientId("named-1"));
    assertThat(anonymous.request("a", String.class).block(Broker.timeout())).isEqualTo("a");
    assertThat(named.request("n", String.class).block(Broker.timeout())).isEqualTo("n");
    String anonymousQueue = names.clientQueue(anonymous.clientId());
    String namedQueue = names.clientQueue("named-1");
    assertThat(queueExists(anonymousQueue)).isTrue();
    assertThat(queueExists(namedQueue)).isTrue();
    anonymous.close();
    named.close();
    await(anonymousQueue + " deleted", () -> !exists(anonymousQueue));
    // a client named by the application comes back under its name: its queue waits for it
    assertThat(queueExists(namedQueue)).isTrue();
    try (Connection raw = Broker.raw()) {
      raw.createChannel().queueDelete(namedQueue);
    }
  }

  private static boolean exists(String queue) {
    try {
      return queueExists(queue);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aClientThatLeavesIsGoneFromEveryServerAndNeverPickedAgain() throws Exception {
    // a long liveness: a server that only noticed the silence would keep the client 10 s; one
    // message at a time, so that the client's CLOSE overtakes the messages it sent before it
    AmqpConnector address = Broker.connector("two-lists", "liveness=10s&prefetch=1");
    java.util.concurrent.atomic.AtomicInteger handled = new java.util.concurrent.atomic.AtomicInteger();
    Handler slow =
        Handler.blocking(
            String.class,
            s -> {
              if (s.startsWith("m")) {
                java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
                handled.incrementAndGet();
              }
              return s;
            });
    SimpleServer a = resources.add(SimpleServer.builder(address).handler(slow).start());
    SimpleServer b = resources.add(SimpleServer.builder(address).handler(slow).start());
    SimpleClient leaving =
        client(
            SimpleClient.builder(address)
                .clientId("leaving")
                .handler(Handler.nonBlocking(String.class, s -> "leaving:" + s)));
    SimpleClient staying =
        client(
            SimpleClient.builder(address)
                .clientId("staying")
                .handler(Handler.nonBlocking(String.class, s -> "staying:" + s)));
    await("both servers list both clients",
        () -> a.clientIds().containsAll(java.util.Set.of("leaving", "staying"))
            && b.clientIds().containsAll(java.util.Set.of("leaving", "staying")));
    // messages left in the address queue by a client that closed are still handled, by both
    // servers, but do not bring the client back onto their lists
    reactor.core.publisher.Flux.range(0, 200)
        .flatMap(i -> leaving.fireAndForget("m" + i), 200)
        .blockLast(Broker.timeout());
    leaving.close();
    long closed = System.nanoTime();
    await("all 200 messages handled", () -> handled.get() >= 200);
    await("both servers forgot the client that left",
        () -> !a.clientIds().contains("leaving") && !b.clientIds().contains("leaving"));
    System.out.println(
        "COUNTS leaving: both servers dropped the client "
            + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closed) + " ms after its close");
    assertThat(Duration.ofNanos(System.nanoTime() - closed)).isLessThan(Duration.ofSeconds(5));
    for (int i = 0; i < 10; i++) {
      for (SimpleServer s : java.util.List.of(a, b)) {
        assertThat(s.request("r" + i, String.class, Duration.ofSeconds(3)).block(Broker.timeout()))
            .isEqualTo("staying:r" + i);
      }
    }
  }
}
