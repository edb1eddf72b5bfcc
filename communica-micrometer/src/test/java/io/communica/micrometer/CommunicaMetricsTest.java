package io.communica.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.communica.core.Authenticator;
import io.communica.core.CallOptions;
import io.communica.core.Handler;
import io.communica.core.HandshakeRefusedException;
import io.communica.core.RequestException;
import io.communica.core.RequestTimeoutException;
import io.communica.core.RouteClient;
import io.communica.core.RouteServer;
import io.communica.tcp.TcpConnector;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The meters over real TCP connections, read from a {@link SimpleMeterRegistry}. */
@Timeout(60)
class CommunicaMetricsTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private final SimpleMeterRegistry serverRegistry = new SimpleMeterRegistry();
  private final SimpleMeterRegistry clientRegistry = new SimpleMeterRegistry();

  private RouteServer server(Authenticator authenticator) {
    return new CommunicaMetrics(serverRegistry, Tags.of("entity", "orders"))
        .instrument(RouteServer.builder(TcpConnector.of("127.0.0.1", 0)))
        .authenticator(authenticator)
        .route("place", Handler.blocking(String.class, s -> "placed " + s))
        .route(
            "refuse",
            Handler.blocking(
                String.class,
                s -> {
                  throw new RequestException("no", 3);
                }))
        .route(
            "slow",
            Handler.blocking(
                String.class,
                s -> {
                  try {
                    Thread.sleep(10_000);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  return s;
                }))
        .route("log", Handler.consumer(String.class, s -> {}))
        .start();
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - end).as("condition within 10 s").isNegative();
      Thread.sleep(10);
    }
  }

  private static Timer timer(
      SimpleMeterRegistry r, String side, String route, String outcome, String error) {
    return r.find("communica." + side + ".requests")
        .tags("route", route, "outcome", outcome, "error", error)
        .timer();
  }

  @Test
  void callsConnectionsAndBytesAreCounted() throws Exception {
    try (RouteServer server = server(Authenticator.acceptAll());
        RouteClient client =
            new CommunicaMetrics(clientRegistry, Tags.of("entity", "shop"), true)
                .instrument(RouteClient.builder(server.connector()))
                .build()
                .startAndAwait(WAIT)) {
      for (int i = 0; i < 3; i++) {
        assertThat(client.request("place", "o" + i, String.class).block(WAIT)).isEqualTo("placed o" + i);
      }
      assertThatThrownBy(() -> client.request("refuse", "x", String.class).block(WAIT))
          .isInstanceOf(RequestException.class);
      assertThatThrownBy(
              () ->
                  client
                      .request("slow", "x", String.class, CallOptions.timeout(Duration.ofMillis(200)))
                      .block(WAIT))
          .isInstanceOf(RequestTimeoutException.class);
      client.fireAndForget("log", "line").block(WAIT);

      Timer placed = timer(clientRegistry, "client", "place", "success", "none");
      assertThat(placed).isNotNull();
      assertThat(placed.count()).isEqualTo(3);
      assertThat(placed.getId().getTag("entity")).isEqualTo("shop");
      assertThat(placed.getId().getTag("kind")).isEqualTo("request");
      assertThat(placed.totalTime(TimeUnit.NANOSECONDS)).isPositive();
      assertThat(timer(clientRegistry, "client", "refuse", "error", "RequestException").count())
          .isEqualTo(1);
      assertThat(timer(clientRegistry, "client", "slow", "timeout", "RequestTimeoutException").count())
          .isEqualTo(1);
      assertThat(
              clientRegistry.find("communica.client.requests").tags("route", "log", "kind", "fire_and_forget").timer().count())
          .isEqualTo(1);

      await(() -> timer(serverRegistry, "server", "slow", "cancelled", "none") != null);
      assertThat(timer(serverRegistry, "server", "place", "success", "none").count()).isEqualTo(3);
      assertThat(timer(serverRegistry, "server", "refuse", "error", "RequestException").count())
          .isEqualTo(1);
      await(() -> timer(serverRegistry, "server", "log", "success", "none") != null);
      assertThat(serverRegistry.get("communica.server.requests.active").gauge().value()).isZero();
      assertThat(clientRegistry.get("communica.client.requests.active").gauge().value()).isZero();

      for (SimpleMeterRegistry r : new SimpleMeterRegistry[] {clientRegistry, serverRegistry}) {
        assertThat(r.get("communica.connections").gauge().value()).isEqualTo(1);
        assertThat(r.get("communica.connections.opened").counter().count()).isEqualTo(1);
        assertThat(r.get("communica.bytes.sent").functionCounter().count()).isGreaterThan(100);
        assertThat(r.get("communica.bytes.received").functionCounter().count()).isGreaterThan(100);
        assertThat(r.get("communica.connections.queued.bytes").gauge().value()).isZero();
      }
      System.out.println(clientRegistry.getMetersAsString());
    }
    // closed connections keep their bytes in the counters (the close completes on the loop)
    await(() -> clientRegistry.get("communica.connections").gauge().value() == 0);
    assertThat(clientRegistry.get("communica.bytes.sent").functionCounter().count()).isGreaterThan(100);
  }

  @Test
  void refusalsAndReconnectsAreCounted() throws Exception {
    try (RouteServer server = server((client, credentials) -> "not on the list");
        RouteClient client =
            new CommunicaMetrics(clientRegistry)
                .instrument(RouteClient.builder(server.connector()))
                .build()
                .start()) {
      assertThatThrownBy(() -> client.request("place", "x", String.class).block(WAIT))
          .isInstanceOf(HandshakeRefusedException.class);
      await(() -> serverRegistry.get("communica.handshake.refusals").counter().count() == 1);
      assertThat(clientRegistry.get("communica.handshake.refusals").counter().count()).isEqualTo(1);
      assertThat(serverRegistry.get("communica.connections").gauge().value()).isZero();
    }
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (RouteClient client =
        new CommunicaMetrics(clientRegistry)
            .instrument(RouteClient.builder(TcpConnector.of("127.0.0.1", port)))
            .reconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(20))
            .build()
            .start()) {
      await(() -> clientRegistry.get("communica.reconnects").counter().count() >= 2);
      assertThat(client.isConnected()).isFalse();
    }
  }
}
