package io.communica.test.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.ConnectionLostException;
import io.communica.core.Connector;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The {@link ConnectorContract} and what a transport between processes must do besides: a child
 * JVM ({@link ChildProcess}) connects with a dumped connector string, and a server process killed
 * without closing fails requests in flight promptly.
 */
public interface CrossProcessContract extends ConnectorContract {

  @Test
  default void childProcessConnectsWithADumpedString() throws Exception {
    SimpleServer server = start(server(ConnectorContract.echo()));
    String dumped = server.connector().dump();
    assertThat(dumped).matches("\\p{ASCII}+");
    try (ChildProcess child = ChildProcess.start("client", dumped, "child-1")) {
      assertThat(child.awaitLine("REPLY ", TIMEOUT)).isEqualTo("echo:child-hello");
      assertThat(child.process().waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(child.process().exitValue()).isZero();
    }
  }

  @Test
  default void serverProcessKilledMidStreamEndsTheFluxAfterTheItemsReceived() throws Exception {
    try (ChildProcess child = ChildProcess.start("streamer", serverConnector().dump())) {
      String bound = child.awaitLine("READY ", TIMEOUT);
      SimpleClient client = start(simpleClient(Connector.load(bound)));
      List<Integer> got = new CopyOnWriteArrayList<>();
      CountDownLatch hundred = new CountDownLatch(100);
      CountDownLatch ended = new CountDownLatch(1);
      AtomicReference<Throwable> end = new AtomicReference<>();
      client
          .requestStream(0, Integer.class)
          .subscribe(
              i -> {
                got.add(i);
                hundred.countDown();
              },
              e -> {
                end.set(e);
                ended.countDown();
              },
              ended::countDown);
      assertThat(hundred.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      child.kill();
      assertThat(ended.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      assertThat(end.get()).isInstanceOf(ConnectionLostException.class);
      List<Integer> received = List.copyOf(got);
      for (int i = 0; i < received.size(); i++) {
        assertThat(received.get(i)).isEqualTo(i + 1);
      }
    }
  }

  @Test
  default void serverProcessKilledFailsInFlightRequestsAndARestartedServerServesTheSameClient()
      throws Exception {
    String bound;
    SimpleClient client;
    try (ChildProcess child = ChildProcess.start("server", serverConnector().dump())) {
      bound = child.awaitLine("READY ", TIMEOUT);
      client =
          start(
              simpleClient(Connector.load(bound))
                  .clientId("survivor")
                  .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200)));
      List<Mono<String>> inFlight = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        Mono<String> r = client.request("stuck", String.class).cache();
        r.subscribe(x -> {}, e -> {});
        inFlight.add(r);
      }
      for (int i = 0; i < 10; i++) {
        child.awaitLine("GOT stuck", TIMEOUT);
      }
      child.kill();
      long killed = System.nanoTime();
      for (Mono<String> r : inFlight) {
        StepVerifier.create(r).expectError(ConnectionLostException.class).verify(TIMEOUT);
      }
      // "promptly": far below the 30 s request timeout and the 30 s keep-alive timeout
      assertThat(Duration.ofNanos(System.nanoTime() - killed)).isLessThan(Duration.ofSeconds(10));
    }
    SimpleServer restarted = start(simpleServer(Connector.load(bound)).handler(ConnectorContract.echo()));
    assertThat(client.request("again", String.class).block(TIMEOUT)).isEqualTo("echo:again");
    assertThat(restarted.clientIds()).containsExactly("survivor");
  }
}
