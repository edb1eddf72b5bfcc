package io.communica.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.ClientInfo;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.core.frame.Capabilities;
import io.communica.core.frame.ErrorKind;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

/**
 * Client ids mean something: they are valid UTF-8, and a connection with a live id is taken over
 * only by a HELLO that presents the resume token issued to it.
 */
@Timeout(30)
class ClientIdTest {

  /** Keep-alive timeout of the server under test: a silent peer is found dead after this. */
  private static final Duration DEAD_AFTER = Duration.ofMillis(600);

  private SimpleServer server;
  private int port;

  @BeforeEach
  void start() {
    server = TestServers.okServer().keepAlive(Duration.ofMillis(150), DEAD_AFTER).start();
    port = TestServers.port(server);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static byte[] hello(byte[] id, byte[] token) {
    return RawPeer.hello(FrameHeader.VERSION, id, 100, Capabilities.RESUME_TOKEN, token);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void invalidUtf8IdsAreRefusedAsMalformed() throws Exception {
    for (byte[] id :
        List.of(
            new byte[] {(byte) 0xFF, (byte) 0xFE},
            new byte[] {'a', (byte) 0xC0, (byte) 0x80}, // overlong NUL
            new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // a surrogate
            new byte[] {'a', 'b', (byte) 0xE2, (byte) 0x82})) { // cut short
      try (RawPeer peer = new RawPeer(port)) {
        peer.send(hello(id, new byte[0]));
        RawPeer.Received r = peer.readUntilClosed();
        assertThat(r.type()).isEqualTo(FrameType.REFUSE);
        assertThat(r.error()).isEqualTo(ErrorKind.REFUSE_OTHER);
        assertThat(r.text()).contains("malformed client id");
      }
    }
    assertThat(server.clients()).isEmpty();
  }

  @Test
  void anIdLongerThanTheLimitIsRefusedAsMalformed() throws Exception {
    try (RawPeer peer = new RawPeer(port)) {
      peer.send(hello(utf8("x".repeat(257)), new byte[0]));
      RawPeer.Received r = peer.readUntilClosed();
      assertThat(r.type()).isEqualTo(FrameType.REFUSE);
      assertThat(r.text()).contains("malformed client id");
    }
  }

  @Test
  void anImpostorIsRefusedWhileTheRealClientKeepsItsConnection() throws Exception {
    try (SimpleClient client = SimpleClient.builder(server.connector()).clientId("alice").start()) {
      assertThat(client.request("1", String.class).block(Duration.ofSeconds(10))).isEqualTo("ok 1");
      for (byte[] token : List.of(new byte[0], new byte[16], utf8("guessed-token-16"))) {
        try (RawPeer impostor = new RawPeer(port)) {
          impostor.send(hello(utf8("alice"), token));
          RawPeer.Received r = impostor.readUntilClosed();
          assertThat(r.type()).isEqualTo(FrameType.REFUSE);
          assertThat(r.error()).isEqualTo(ErrorKind.REFUSE_ID_IN_USE);
          assertThat(r.text()).contains("client id in use");
        }
      }
      // a version-2 HELLO without the capability (and so without a token) is refused too
      try (RawPeer impostor = new RawPeer(port)) {
        impostor.send(RawPeer.hello(FrameHeader.VERSION, "alice"));
        assertThat(impostor.readUntilClosed().error()).isEqualTo(ErrorKind.REFUSE_ID_IN_USE);
      }
      assertThat(client.isConnected()).isTrue();
      assertThat(client.request("2", String.class).block(Duration.ofSeconds(10))).isEqualTo("ok 2");
      assertThat(server.clients()).extracting(ClientInfo::clientId).containsExactly("alice");
    }
  }

  @Test
  void aClientThatPresentsItsTokenReplacesItsHalfDeadConnectionAtOnce() throws Exception {
    try (RawPeer old = new RawPeer(port); RawPeer again = new RawPeer(port)) {
      old.send(hello(utf8("bob"), new byte[0]));
      RawPeer.Received welcome = old.read();
      assertThat(welcome.type()).isEqualTo(FrameType.WELCOME);
      byte[] token = RawPeer.welcomeToken(welcome);
      assertThat(token).hasSize(16);
      // the old connection now stays silent: half dead, not yet found dead
      long start = System.nanoTime();
      again.send(hello(utf8("bob"), token));
      RawPeer.Received second = again.read();
      assertThat(second.type()).isEqualTo(FrameType.WELCOME);
      assertThat(RawPeer.welcomeToken(second)).hasSize(16).isNotEqualTo(token);
      // replaced at once, not after the old connection's keep-alive timeout
      RawPeer.Received closed = old.readUntilClosed();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(DEAD_AFTER);
      assertThat(closed.type()).isEqualTo(FrameType.CLOSE);
      assertThat(closed.text()).contains("replaced");
    }
  }

  @Test
  void aNewcomerWithoutTheTokenIsAdmittedOnceTheOldConnectionIsFoundDead() throws Exception {
    try (RawPeer old = new RawPeer(port)) {
      old.send(hello(utf8("carol"), new byte[0]));
      assertThat(old.read().type()).isEqualTo(FrameType.WELCOME);
      // the old connection stays silent; a restarted client (no token) backs off and retries
      try (SimpleClient client =
          SimpleClient.builder(server.connector())
              .clientId("carol")
              .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(100))
              .start()) {
        // a call made meanwhile waits for the connection: the refusal is not final
        Mono<String> reply = client.request("waiting", String.class, Duration.ofSeconds(10));
        assertThat(reply.block(Duration.ofSeconds(10))).isEqualTo("ok waiting");
        assertThat(client.isConnected()).isTrue();
        // the old connection was closed for its silence, not taken over by the newcomer
        assertThat(old.readUntilClosed().text()).contains("keep-alive timeout");
      }
    }
  }
}
