package io.communica.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.core.test.ConnectorContract;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

@RequiresBroker
class AmqpConnectorContractTest implements ConnectorContract {

  private final Resources resources = new Resources();

  @Override
  public Connector serverConnector() {
    return Broker.connector("contract");
  }

  @Override
  public Resources resources() {
    return resources;
  }

  /**
   * The contract's version sends 50,000 messages one after the other, each from the completion
   * of the one before. Over AMQP a message completes when the broker confirmed it, a round trip
   * to the broker (and for a persistent message a disk write), so one-at-a-time sending is bound
   * by that latency. A completion here comes from the confirm, asynchronously, so there is no
   * recursion to bound; 2,000 messages show it within the contract's time.
   */
  @Test
  @Override
  public void sendingFromCompletionsDoesNotRecurseWithoutBound() throws Exception {
    int total = 2_000;
    CountDownLatch received = new CountDownLatch(total);
    SimpleServer server =
        start(
            server(
                Handler.nonBlocking(
                    String.class,
                    s -> {
                      received.countDown();
                      return null;
                    })));
    SimpleClient client = client(server);
    client.connected().block(TIMEOUT);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicInteger sent = new AtomicInteger();
    Runnable[] next = new Runnable[1];
    next[0] =
        () -> {
          if (sent.incrementAndGet() <= total) {
            client.fireAndForget("m").subscribe(null, failure::set, next[0]);
          }
        };
    long t0 = System.nanoTime();
    next[0].run();
    assertThat(received.await(TIMEOUT.toSeconds() * 2, TimeUnit.SECONDS)).isTrue();
    assertThat(failure.get()).isNull();
    System.out.println(
        "COUNTS sequential fire-and-forget: " + total + " in "
            + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
  }
}
