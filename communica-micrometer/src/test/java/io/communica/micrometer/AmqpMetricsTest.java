package io.communica.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.RouteClient;
import io.communica.core.RouteServer;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Confirms and redeliveries over the broker at 127.0.0.1:5672 (skipped when none listens). */
@Timeout(60)
class AmqpMetricsTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  void confirmsAndRedeliveriesAreCounted() throws Exception {
    try (Socket probe = new Socket("127.0.0.1", 5672)) {
      assertThat(probe.isConnected()).isTrue();
    } catch (IOException e) {
      Assumptions.abort("no broker at 127.0.0.1:5672");
    }
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    AmqpMetrics.bind(registry, Tags.of("app", "test"));
    CommunicaMetrics metrics = new CommunicaMetrics(registry);
    double confirmsBefore = registry.get("communica.amqp.confirms").tag("result", "ack").functionCounter().count();
    double redeliveriesBefore = registry.get("communica.amqp.redeliveries").functionCounter().count();

    String address = "amqp://guest:guest@127.0.0.1:5672?address=metrics-" + UUID.randomUUID();
    AtomicInteger attempts = new AtomicInteger();
    CountDownLatch handled = new CountDownLatch(1);
    try (RouteServer server =
            metrics
                .instrument(RouteServer.builder(Connector.load(address)))
                .route("echo", Handler.blocking(String.class, s -> s))
                .route(
                    "flaky",
                    Handler.consumer(
                        String.class,
                        s -> {
                          if (attempts.incrementAndGet() == 1) {
                            throw new IllegalStateException("first attempt fails");
                          }
                          handled.countDown();
                        }))
                .start();
        RouteClient client =
            RouteClient.builder(Connector.load(address)).build().startAndAwait(WAIT)) {
      assertThat(server.connector().dump()).startsWith("amqp://");
      assertThat(client.request("echo", "hi", String.class).block(WAIT)).isEqualTo("hi");
      client.fireAndForget("flaky", "once").block(WAIT);
      assertThat(handled.await(20, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(registry.get("communica.amqp.confirms").tag("result", "ack").functionCounter().count())
        .isGreaterThanOrEqualTo(confirmsBefore + 2);
    assertThat(registry.get("communica.amqp.redeliveries").functionCounter().count())
        .isGreaterThanOrEqualTo(redeliveriesBefore + 1);
    assertThat(
            registry.get("communica.server.requests").tags("route", "echo", "outcome", "success").timer().count())
        .isEqualTo(1);
  }
}
