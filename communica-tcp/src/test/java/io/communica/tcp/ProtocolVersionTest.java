package io.communica.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.HandshakeRefusedException;
import io.communica.core.Handler;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.core.frame.ErrorKind;
import io.communica.core.frame.FrameType;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Peers of protocol version 1 meet version 2: the version byte sits at the same place in both (after
 * the length prefix), so each side tells the other clearly instead of failing on a garbled frame.
 */
@Timeout(30)
class ProtocolVersionTest {

  @Test
  void aVersionOneClientGetsARefuseInTheLayoutItReads() throws Exception {
    try (SimpleServer server =
        SimpleServer.builder(TcpConnector.of("127.0.0.1", 0))
            .handler(Handler.nonBlocking(String.class, s -> s))
            .start()) {
      try (RawPeer peer = new RawPeer(((TcpConnector) server.connector()).port())) {
        peer.send(RawPeer.hello(1, "old-client"));
        RawPeer.Received refuse = peer.read();
        assertThat(refuse.version()).isEqualTo(1);
        assertThat(refuse.type()).isEqualTo(FrameType.REFUSE);
        assertThat(refuse.error()).isEqualTo(ErrorKind.REFUSE_VERSION);
        assertThat(refuse.text())
            .isEqualTo("unsupported protocol version 1; this server speaks version 2");
        assertThat(peer.readUntilClosed()).isNull();
      }
    }
  }

  @Test
  void aVersionTwoClientRefusedByAVersionOneServerSaysWhy() throws Exception {
    byte[] reason = "unsupported protocol version 2; this server speaks version 1"
        .getBytes(StandardCharsets.UTF_8);
    assertRefused(RawPeer.frame(1, FrameType.REFUSE, 0, 0, reason), "version 2; this server");
  }

  @Test
  void aVersionTwoClientWelcomedByAVersionOneServerGivesUp() throws Exception {
    byte[] welcome = ByteBuffer.allocate(12).putInt(1 << 24).putInt(1 << 16).putInt(10_000).array();
    assertRefused(RawPeer.frame(1, FrameType.WELCOME, 0, 0, welcome), "this client version 2");
  }

  /** A version-1 server answers the client's HELLO with {@code answer}; the request fails. */
  private static void assertRefused(byte[] answer, String detail) throws Exception {
    try (ServerSocket listener = new ServerSocket(0)) {
      SimpleClient client =
          SimpleClient.builder(TcpConnector.of("127.0.0.1", listener.getLocalPort()))
              .reconnectBackoff(Duration.ofSeconds(10), Duration.ofSeconds(10))
              .build();
      try (client) {
        client.start();
        Mono<String> request = client.request("hello", String.class).cache();
        request.subscribe(x -> {}, e -> {});
        Socket accepted = listener.accept();
        try (RawPeer server = new RawPeer(accepted)) {
          RawPeer.Received hello = server.read();
          assertThat(hello.version()).isEqualTo(2);
          assertThat(hello.type()).isEqualTo(FrameType.HELLO);
          server.send(answer);
          StepVerifier.create(request)
              .expectErrorSatisfies(
                  e ->
                      assertThat(e)
                          .isInstanceOf(HandshakeRefusedException.class)
                          .hasMessageContaining("protocol version 1")
                          .hasMessageContaining(detail))
              .verify(Duration.ofSeconds(10));
        }
      }
    }
  }
}
