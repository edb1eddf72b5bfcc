package io.communica.test.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.communica.core.CallOptions;
import io.communica.core.ConnectionLostException;
import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.RequestException;
import io.communica.core.RequestTimeoutException;
import io.communica.core.ResponderException;
import io.communica.core.RouteClient;
import io.communica.core.RouteServer;
import io.communica.core.SerializationException;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Entity state and per-call settings, as every transport must show them: state queries after
 * {@code close()}, {@code startAndAwait} without a server, {@code run()} twice, fail-fast calls and
 * timeout messages that name their settings. Part of {@link ConnectorContract}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public interface LifecycleContract {

  Duration TIMEOUT = Duration.ofSeconds(15);

  /** A connector for a new server on a fresh address. */
  Connector serverConnector();

  /** Everything a test started, closed after it whatever happened. */
  ConnectorContract.Resources resources();

  /** Builders with the contract's serializer and leak tracking (see {@link ConnectorContract}). */
  SimpleServer.Builder simpleServer(Connector address);

  RouteServer.Builder routeServer(Connector address);

  SimpleClient.Builder simpleClient(Connector address);

  RouteClient.Builder routeClient(Connector address);

  /**
   * Whether a fire-and-forget message sent while no server runs is taken and kept for a server to
   * come (a broker's queue) rather than failing at its timeout.
   */
  default boolean messagesWaitForAServer() {
    return false;
  }

  /** The address of a server that was started and closed again: nobody listens there now. */
  private Connector deadAddress() {
    SimpleServer gone =
        simpleServer(serverConnector()).handler(ConnectorContract.echo()).start();
    Connector address = gone.connector();
    gone.close();
    return address;
  }

  private SimpleClient.Builder clientOf(Connector address) {
    return simpleClient(address)
        .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200));
  }

  @Test
  default void everyStateQuerySaysClosedOnceCloseReturned() {
    SimpleServer server =
        resources()
            .add(simpleServer(serverConnector()).handler(ConnectorContract.echo()).start());
    SimpleClient client = resources().add(clientOf(server.connector()).build()).startAndAwait(TIMEOUT);
    assertThat(client.request("x", String.class).block(TIMEOUT)).isEqualTo("echo:x");
    assertThat(server.clientIds()).contains(client.clientId());

    client.close();
    assertThat(client.isConnected()).isFalse();
    assertThat(client.isClosed()).isTrue();

    server.close();
    assertThat(server.isClosed()).isTrue();
    assertThat(server.clients()).isEmpty();
    assertThat(server.clientIds()).isEmpty();
  }

  @Test
  default void startAndAwaitWithoutServerFailsNamingTheAddressAndClosesTheClient() {
    // over a broker the client is connected to the broker even when no server runs
    assumeFalse(messagesWaitForAServer());
    Connector address = deadAddress();
    SimpleClient client = resources().add(clientOf(address).build());
    assertThatThrownBy(() -> client.startAndAwait(Duration.ofMillis(1500)))
        .isInstanceOf(RequestTimeoutException.class)
        .hasMessageContaining("no connection to " + address)
        .hasMessageContaining("within 1500 ms");
    assertThat(client.isClosed()).isTrue();
    assertThat(client.isConnected()).isFalse();
  }

  @Test
  default void aSecondRunFailsAtOnceWhileTheFirstRuns() throws Exception {
    SimpleServer server =
        resources().add(simpleServer(serverConnector()).handler(ConnectorContract.echo()).build());
    Thread[] runner = new Thread[1];
    CompletableFuture<Void> firstRun =
        CompletableFuture.runAsync(
            () -> {
              runner[0] = Thread.currentThread();
              try {
                server.run();
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    // the first run() is blocked once its thread waits (for close)
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (runner[0] == null || runner[0].getState() != Thread.State.WAITING) {
      assertThat(System.nanoTime()).isLessThan(deadline);
      assertThat(firstRun).isNotDone();
      LockSupport.parkNanos(1_000_000);
    }
    assertTimeoutPreemptively(
        Duration.ofSeconds(5),
        () ->
            assertThatThrownBy(server::run)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already running"));
    server.close();
    firstRun.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Test
  default void failFastClientFailsAtOnceWhileDisconnectedNamingTheLastError() {
    // over a broker the client is connected to the broker even when no server runs
    assumeFalse(messagesWaitForAServer());
    Connector address = deadAddress();
    SimpleClient client =
        resources().add(clientOf(address).requestTimeout(Duration.ofMinutes(5)).failFast(true).start());
    // the first call may wait for the first attempt, and fails when it fails
    StepVerifier.create(client.request("x", String.class))
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(ConnectionLostException.class)
                    .hasMessageContaining("fail-fast")
                    .hasMessageContaining("connection to " + address)
                    .hasMessageContaining("last attempt"))
        .verify(TIMEOUT);
    StepVerifier.create(client.fireAndForget("y"))
        .expectError(ConnectionLostException.class)
        .verify(TIMEOUT);
  }

  @Test
  default void failFastPerCallOverridesTheEntityAndWaitingStaysTheDefault() {
    // over a broker the client is connected to the broker even when no server runs
    assumeFalse(messagesWaitForAServer());
    Connector address = deadAddress();
    SimpleClient client = resources().add(clientOf(address).start());
    StepVerifier.create(
            client.request("x", String.class, CallOptions.DEFAULT.withFailFast(true)))
        .expectError(ConnectionLostException.class)
        .verify(TIMEOUT);
    // the default waits, and its timeout says how to change that
    StepVerifier.create(client.request("x", String.class, CallOptions.timeout(Duration.ofMillis(300))))
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(RequestTimeoutException.class)
                    .hasMessageContaining("requestTimeout")
                    .hasMessageContaining("failFast"))
        .verify(TIMEOUT);
    // a server comes up: the same client's calls, fail-fast or not, now go through
    SimpleServer server =
        resources().add(simpleServer(address).handler(ConnectorContract.echo()).start());
    client.connected().block(TIMEOUT);
    assertThat(client.request("z", String.class, CallOptions.DEFAULT.withFailFast(true)).block(TIMEOUT))
        .isEqualTo("echo:z");
    assertThat(server.isClosed()).isFalse();
  }

  @Test
  default void failFastServerCallToAnAbsentClientFailsAtOnce() {
    RouteServer server =
        resources()
            .add(routeServer(serverConnector()).requestTimeout(Duration.ofMinutes(5)).start());
    StepVerifier.create(
            server.requestClient(
                "nobody", "r", "x", String.class, CallOptions.DEFAULT.withFailFast(true)))
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(ConnectionLostException.class)
                    .hasMessageContaining("client 'nobody'")
                    .hasMessageContaining("fail-fast"))
        .verify(TIMEOUT);
    StepVerifier.create(server.fireAndForget("r", "x", CallOptions.DEFAULT.withFailFast(true)))
        .expectError(ConnectionLostException.class)
        .verify(TIMEOUT);
  }

  @Test
  default void aPeerWithoutAHandlerIsTheRespondersFault() {
    SimpleServer server =
        resources()
            .add(simpleServer(serverConnector()).handler(ConnectorContract.echo()).start());
    SimpleClient client = resources().add(clientOf(server.connector()).build()).startAndAwait(TIMEOUT);
    StepVerifier.create(server.requestClient(client.clientId(), "x", String.class))
        .expectErrorSatisfies(
            e -> {
              assertThat(e)
                  .isInstanceOf(ResponderException.class)
                  .hasMessageContaining("did not define a handler");
              assertThat(((ResponderException) e).code()).isEqualTo(ResponderException.NO_HANDLER);
            })
        .verify(TIMEOUT);
  }

  @Test
  default void routesChangeWhileRunningAndARequestInFlightKeepsItsHandler() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    RouteServer server =
        resources()
            .add(
                routeServer(serverConnector())
                    .route(
                        "slow",
                        Handler.blocking(
                            String.class,
                            s -> {
                              entered.countDown();
                              try {
                                release.await();
                              } catch (InterruptedException e) {
                                throw new IllegalStateException(e);
                              }
                              return "slow:" + s;
                            }))
                    .start());
    RouteClient client =
        resources().add(routeClient(server.connector()).build()).startAndAwait(TIMEOUT);

    StepVerifier.create(client.request("late", "x", String.class))
        .expectErrorSatisfies(e -> assertThat(((RequestException) e).code())
            .isEqualTo(RequestException.UNKNOWN_ROUTE))
        .verify(TIMEOUT);
    server.addRoute("late", Handler.nonBlocking(String.class, s -> "late:" + s));
    assertThat(client.request("late", "x", String.class).block(TIMEOUT)).isEqualTo("late:x");
    assertThatThrownBy(() -> server.addRoute("late", ConnectorContract.echo()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("already has a handler");

    Mono<String> inFlight = client.request("slow", "first", String.class).cache();
    inFlight.subscribe(x -> {}, e -> {});
    assertThat(entered.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    assertThat(server.removeRoute("slow")).isTrue();
    assertThat(server.removeRoute("slow")).isFalse();
    StepVerifier.create(client.request("slow", "second", String.class))
        .expectErrorSatisfies(e -> assertThat(((RequestException) e).code())
            .isEqualTo(RequestException.UNKNOWN_ROUTE))
        .verify(TIMEOUT);
    release.countDown();
    assertThat(inFlight.block(TIMEOUT)).isEqualTo("slow:first");

    // a client's routes change too, for its server's calls
    client.addRoute("status", Handler.nonBlocking(String.class, s -> "ok:" + s));
    assertThat(server.requestClient(client.clientId(), "status", "?", String.class).block(TIMEOUT))
        .isEqualTo("ok:?");
    client.removeRoute("status");
    StepVerifier.create(server.requestClient(client.clientId(), "status", "?", String.class))
        .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(ResponderException.class))
        .verify(TIMEOUT);
  }

  @Test
  default void aReplyThatDoesNotDecodeNamesItsRoute() {
    RouteServer server =
        resources()
            .add(
                routeServer(serverConnector())
                    .route("word", Handler.nonBlocking(String.class, s -> "not a number"))
                    .start());
    RouteClient client =
        resources().add(routeClient(server.connector()).build()).startAndAwait(TIMEOUT);
    StepVerifier.create(client.request("word", "x", Integer.class))
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("cannot decode the reply to route 'word' as java.lang.Integer"))
        .verify(TIMEOUT);
  }
}
