package io.communica.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.ConnectionLostException;
import io.communica.core.Handler;
import io.communica.core.RequestTimeoutException;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.test.fault.FaultProxy;
import io.communica.test.fault.FaultProxy.Direction;
import io.communica.test.fault.Outcomes;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Requests under load through a {@link FaultProxy} that delays, cuts, stalls and half-opens the
 * connection: every request has an outcome within its timeout (lost = 0), the failures are the
 * transport's errors, and the client is served again once the network heals. Each scenario prints
 * its counts.
 */
@Timeout(120)
class FaultScenarioTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(3);
  /** Every outcome is in by the timeout plus this (keep-alive found the peer dead before it). */
  private static final Duration MARGIN = Duration.ofSeconds(5);
  private static final String PAYLOAD = "p".repeat(1000);
  private static final Set<String> TRANSPORT_ERRORS =
      Set.of(
          ConnectionLostException.class.getSimpleName(),
          RequestTimeoutException.class.getSimpleName());

  private SimpleServer server;
  private FaultProxy proxy;
  private SimpleClient client;

  @BeforeEach
  void start() throws Exception {
    server =
        SimpleServer.builder(TcpConnector.of("127.0.0.1", 0))
            .handler(Handler.nonBlocking(String.class, s -> s))
            .keepAlive(Duration.ofMillis(200), Duration.ofSeconds(1))
            .start();
    proxy = FaultProxy.to("127.0.0.1", TestServers.port(server));
    client =
        SimpleClient.builder(TcpConnector.of("127.0.0.1", proxy.port()))
            .keepAlive(Duration.ofMillis(200), Duration.ofSeconds(1))
            .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
            .requestTimeout(TIMEOUT)
            .start();
    client.connected().block(TIMEOUT);
  }

  @AfterEach
  void stop() {
    client.close();
    proxy.close();
    server.close();
  }

  /** Sends {@code n} requests at once, applies {@code fault} while they fly, counts outcomes. */
  private Outcomes load(String scenario, int n, Runnable fault) throws InterruptedException {
    Outcomes outcomes = new Outcomes(scenario);
    for (int i = 0; i < n; i++) {
      outcomes.track(client.request(PAYLOAD, String.class));
    }
    fault.run();
    boolean all = outcomes.await(TIMEOUT.plus(MARGIN));
    System.out.println(outcomes);
    assertThat(all).as("every request has an outcome: %s", outcomes).isTrue();
    assertThat(outcomes.lost()).isZero();
    assertThat(outcomes.failed().keySet()).isSubsetOf(TRANSPORT_ERRORS);
    return outcomes;
  }

  /** After the fault is healed, a fresh batch is answered in full. */
  private void servedAgain(String scenario) throws InterruptedException {
    proxy.heal();
    client.connected().block(TIMEOUT.plus(MARGIN));
    Outcomes after = load(scenario + ", healed", 200, () -> {});
    assertThat(after.answered()).isEqualTo(200);
  }

  @Test
  void delayedBytesAreAnsweredInFull() throws Exception {
    proxy.delay(Duration.ofMillis(20));
    Outcomes o = load("delay 20 ms per chunk", 500, () -> {});
    assertThat(o.answered()).isEqualTo(500);
  }

  @Test
  void aConnectionCutInTheMiddleOfTheRepliesFailsTheRestAtOnce() throws Exception {
    // about 200 of 1000 replies of ~1 kB get through, then the connection is reset
    proxy.cutAfter(Direction.DOWNSTREAM, 200_000);
    Outcomes o = load("cut downstream at 200000 bytes", 1000, () -> {});
    assertThat(o.failed()).containsKey(ConnectionLostException.class.getSimpleName());
    servedAgain("cut downstream");
  }

  @Test
  void aConnectionCutInTheMiddleOfTheRequestsFailsTheRestAtOnce() throws Exception {
    proxy.cutAfter(Direction.UPSTREAM, 100_000);
    Outcomes o = load("cut upstream at 100000 bytes", 1000, () -> {});
    assertThat(o.failed()).containsKey(ConnectionLostException.class.getSimpleName());
    servedAgain("cut upstream");
  }

  @Test
  void aStalledDirectionIsFoundDeadByKeepAlive() throws Exception {
    // how many are answered before the stall varies; that none is lost does not
    load("stall downstream", 500, () -> proxy.stall(Direction.DOWNSTREAM));
    servedAgain("stall downstream");
  }

  @Test
  void aHalfOpenConnectionIsFoundDeadByKeepAlive() throws Exception {
    load("half-open", 500, proxy::halfOpen);
    servedAgain("half-open");
  }
}
