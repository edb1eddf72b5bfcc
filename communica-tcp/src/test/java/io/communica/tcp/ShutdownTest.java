package io.communica.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.CallOptions;
import io.communica.core.ConnectionLostException;
import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.communica.core.intercept.ConnectionInfo;
import io.communica.core.intercept.ConnectionListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Graceful shutdown: {@code close()} tells the peers, lets the calls in flight finish within the
 * grace period, fails what is left at once on both sides, and leaves every state query closed.
 */
@Timeout(60)
class ShutdownTest {

  /** Far longer than any test waits: a call that fails must fail for another reason. */
  private static final Duration LONG = Duration.ofSeconds(45);

  private static final Duration WAIT = Duration.ofSeconds(15);

  private final List<AutoCloseable> opened = new ArrayList<>();
  /** A permit for each held handler that started. */
  private final Semaphore handlersStarted = new Semaphore(0);
  private final CountDownLatch releaseHandler = new CountDownLatch(1);

  @AfterEach
  void closeAll() throws Exception {
    releaseHandler.countDown();
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
  }

  /** A handler that answers {@code "done " + request} once the test releases it. */
  private Handler held() {
    return Handler.blocking(
        String.class,
        s -> {
          handlersStarted.release();
          try {
            releaseHandler.await(LONG.toSeconds(), TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return "done " + s;
        });
  }

  private SimpleServer server(Handler handler, Duration grace) {
    SimpleServer s =
        SimpleServer.builder(TcpConnector.of("127.0.0.1", 0))
            .handler(handler)
            .shutdownGrace(grace)
            .start();
    opened.add(s);
    return s;
  }

  private SimpleClient client(Connector connector, Handler handler, Duration grace) {
    SimpleClient c =
        SimpleClient.builder(connector)
            .clientId("c1")
            .handler(handler)
            .requestTimeout(LONG)
            .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
            .shutdownGrace(grace)
            .start();
    opened.add(c);
    c.connected().block(WAIT);
    return c;
  }

  private static CompletableFuture<Long> closeInBackground(AutoCloseable entity) {
    return CompletableFuture.supplyAsync(
        () -> {
          long start = System.nanoTime();
          try {
            entity.close();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        });
  }

  @Test
  void aHandlerInFlightFinishesAndItsReplyArrivesBeforeCloseReturns() throws Exception {
    SimpleServer server = server(held(), Duration.ofSeconds(20));
    SimpleClient client = client(server.connector(), Handler.nonBlocking(String.class, s -> s), LONG);
    CompletableFuture<String> reply = client.request("a", String.class).toFuture();
    assertThat(handlersStarted.tryAcquire(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

    CompletableFuture<Long> closing = closeInBackground(server);
    // close() waits for the handler: the grace period is far from over
    assertThat(closing).isNotDone();
    releaseHandler.countDown();

    assertThat(reply.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("done a");
    assertThat(closing.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isLessThan(15_000);
    assertThat(server.isClosed()).isTrue();
    assertThat(server.clients()).isEmpty();
  }

  @Test
  void whatOutlivesTheGracePeriodFailsAtOnceOnBothSides() throws Exception {
    Duration grace = Duration.ofMillis(300);
    SimpleServer server = server(held(), grace);
    SimpleClient client = client(server.connector(), held(), LONG);
    // the client waits for the server's handler, the server for the client's
    Mono<String> clientCall = client.request("from client", String.class);
    Mono<String> serverCall =
        server.requestClient("c1", "from server", String.class, CallOptions.timeout(LONG));
    CompletableFuture<String> clientReply = clientCall.toFuture();
    CompletableFuture<String> serverReply = serverCall.toFuture();
    assertThat(handlersStarted.tryAcquire(2, WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

    long closedIn = closeInBackground(server).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(closedIn).isLessThan(10_000);
    assertThat(server.isClosed()).isTrue();
    assertThat(server.clients()).isEmpty();
    // the server's own request failed with the shutdown, not at its 45 s timeout
    StepVerifier.create(Mono.fromFuture(serverReply))
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(ConnectionLostException.class)
                    .hasMessageContaining("the server is shutting down"))
        .verify(WAIT);
    // the client's request, whose handler did not finish, fails promptly saying the peer shut down
    StepVerifier.create(Mono.fromFuture(clientReply))
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(ConnectionLostException.class)
                    .hasMessageContaining("the server shut down")
                    .hasMessageContaining("grace period"))
        .verify(WAIT);
  }

  @Test
  void aClientThatShutsDownLetsTheServersRequestFinish() throws Exception {
    SimpleServer server = server(Handler.nonBlocking(String.class, s -> "ok " + s), LONG);
    SimpleClient client = client(server.connector(), held(), Duration.ofSeconds(20));
    CompletableFuture<String> serverReply =
        server.requestClient("c1", "x", String.class, CallOptions.timeout(LONG)).toFuture();
    assertThat(handlersStarted.tryAcquire(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

    CompletableFuture<Long> closing = closeInBackground(client);
    assertThat(closing).isNotDone();
    releaseHandler.countDown();

    assertThat(serverReply.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("done x");
    assertThat(closing.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isLessThan(15_000);
    assertThat(client.isClosed()).isTrue();
    assertThat(client.isConnected()).isFalse();
  }

  @Test
  void aClientWhoseServerShutsDownSendsNewCallsToTheServerThatTakesItsPlace() throws Exception {
    SimpleServer first = server(held(), Duration.ofSeconds(20));
    int port = TestServers.port(first);
    SimpleClient client = client(first.connector(), Handler.nonBlocking(String.class, s -> s), LONG);
    CompletableFuture<String> inFlight = client.request("old", String.class).toFuture();
    assertThat(handlersStarted.tryAcquire(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

    CompletableFuture<Long> closing = closeInBackground(first);
    // the old server drains; a new one takes its port once it is free, and the client, told that
    // the old one goes away, connects to it (a call made before the client was told would still go
    // to the old server, as the protocol allows)
    CountDownLatch clientOnSecond = new CountDownLatch(1);
    SimpleServer second = null;
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (second == null) {
      try {
        second =
            SimpleServer.builder(TcpConnector.of("127.0.0.1", port))
                .handler(Handler.nonBlocking(String.class, s -> "second " + s))
                .connectionListener(
                    new ConnectionListener() {
                      @Override
                      public void onOpen(ConnectionInfo connection) {
                        clientOnSecond.countDown();
                      }
                    })
                .start();
      } catch (IllegalStateException inUse) {
        // nothing signals that the old server stopped listening: try again shortly
        assertThat(System.nanoTime()).as("the old server still listens").isLessThan(deadline);
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
    }
    opened.add(second);
    assertThat(clientOnSecond.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(client.request("new", String.class).block(WAIT)).isEqualTo("second new");

    releaseHandler.countDown();
    assertThat(inFlight.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("done old");
    closing.get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void aHandshakeThatFinishesWhileTheServerClosesIsClosedNotKept() throws Exception {
    CountDownLatch inHandshake = new CountDownLatch(1);
    CountDownLatch finishHandshake = new CountDownLatch(1);
    // the authenticator holds the handshake after the server checked that it is not closing and
    // before the connection opens: the window a close() from another thread can fall into
    SimpleServer server =
        SimpleServer.builder(TcpConnector.of("127.0.0.1", 0))
            .handler(Handler.nonBlocking(String.class, s -> "ok " + s))
            .authenticator(
                (client, credentials) -> {
                  inHandshake.countDown();
                  try {
                    finishHandshake.await(LONG.toSeconds(), TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  return null;
                })
            .start();
    opened.add(server);
    try (RawPeer late = new RawPeer(TestServers.port(server))) {
      late.send(RawPeer.hello(FrameHeader.VERSION, "late"));
      assertThat(inHandshake.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      // close() returns without this connection: it was not open when close() looked
      try {
        closeInBackground(server).get(WAIT.toSeconds(), TimeUnit.SECONDS);
      } finally {
        finishHandshake.countDown(); // the event loop is not held past the test either way
      }

      RawPeer.Received last = late.readUntilClosed();
      assertThat(last).isNotNull();
      assertThat(last.type()).as(last.text()).isEqualTo(FrameType.CLOSE);
      assertThat(last.text()).contains("the server is closed");
      assertThat(server.clients()).isEmpty();
    }
  }

  @Test
  void closeCalledFromAHandlerDoesNotWaitForItself() throws Exception {
    SimpleServer[] self = new SimpleServer[1];
    SimpleServer server =
        server(
            Handler.blocking(
                String.class,
                s -> {
                  self[0].close();
                  return "closed from " + s;
                }),
            Duration.ofSeconds(20));
    self[0] = server;
    SimpleClient client = client(server.connector(), Handler.nonBlocking(String.class, s -> s), LONG);
    assertThat(client.request("handler", String.class).block(WAIT)).isEqualTo("closed from handler");
    assertThat(server.isClosed()).isTrue();
  }
}
