package io.communica.core.internal.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.communica.core.frame.Capabilities;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Capability bits: what a connection may use is what both sides announced. */
@Timeout(20)
class CapabilitiesTest {

  /** A bit no feature uses: only this test sets it. */
  private static final int TEST_BIT = 1 << 17;

  private final ScheduledExecutorService clientLoop = Executors.newSingleThreadScheduledExecutor();
  private final ScheduledExecutorService serverLoop = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() {
    clientLoop.shutdownNow();
    serverLoop.shutdownNow();
  }

  /** Opens a client and a server session with these bits; returns the client's once open. */
  private Session open(int clientBits, int serverBits) throws Exception {
    Routes routes = new Routes(Map.of(), new io.communica.core.Utf8Serializer());
    RecordingOwner clientOwner = new RecordingOwner();
    SessionOwner serverOwner = new RecordingOwner();
    SessionSettings client = TestSettings.withCapabilities(clientBits);
    SessionSettings server = TestSettings.withCapabilities(serverBits);
    PipeConnection.pair(
        clientLoop, conn -> Session.client(conn, client, routes, clientOwner),
        serverLoop, conn -> Session.server(conn, server, routes, serverOwner));
    return clientOwner.opened.get(10, TimeUnit.SECONDS);
  }

  @Test
  void aBitBothSidesAnnounceIsUsable() throws Exception {
    Session s = open(TEST_BIT | Capabilities.RESUME, TEST_BIT);
    assertThat(s.terms().has(TEST_BIT)).isTrue();
    assertThat(s.terms().has(Capabilities.RESUME)).isFalse();
    s.terms().require(TEST_BIT);
  }

  @Test
  void aBitThePeerLacksFailsWithAnErrorNamingIt() throws Exception {
    Session s = open(TEST_BIT, Capabilities.STREAMS);
    assertThat(s.terms().has(TEST_BIT)).isFalse();
    assertThatThrownBy(() -> s.terms().require(TEST_BIT))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("does not support bit 17")
        .hasMessageContaining("capabilities []");
    assertThatThrownBy(() -> s.terms().require(Capabilities.STREAMS))
        .hasMessageContaining("does not support streams");
    assertThat(s.isOpen()).isTrue();
  }

  @Test
  void namesDescribeSets() {
    assertThat(Capabilities.describe(Capabilities.STREAMS | Capabilities.SHARED_MEMORY))
        .isEqualTo("[streams, shared-memory]");
    assertThat(Capabilities.describe(0)).isEqualTo("[]");
  }
}
