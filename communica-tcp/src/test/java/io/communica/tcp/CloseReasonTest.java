package io.communica.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.core.frame.ErrorKind;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every close has a reason the peer can read: a CLOSE frame with a close code, for keep-alive
 * timeouts and for failures of this side too, not only for protocol errors.
 */
@Timeout(30)
class CloseReasonTest {

  private static SimpleServer.Builder server() {
    return TestServers.okServer().keepAlive(Duration.ofMillis(100), Duration.ofMillis(400));
  }

  private static int port(SimpleServer server) {
    return TestServers.port(server);
  }

  @Test
  void aKeepAliveTimeoutSendsCloseWithItsCode() throws Exception {
    try (SimpleServer server = server().start(); RawPeer peer = new RawPeer(port(server))) {
      peer.send(RawPeer.hello(FrameHeader.VERSION, "silent", 100));
      assertThat(peer.read().type()).isEqualTo(FrameType.WELCOME);
      RawPeer.Received last = peer.readUntilClosed();
      assertThat(last.type()).isEqualTo(FrameType.CLOSE);
      assertThat(last.error()).isEqualTo(ErrorKind.CLOSE_KEEP_ALIVE_TIMEOUT);
      assertThat(last.text()).contains("keep-alive timeout");
    }
  }

  @Test
  void aFailureOfThisSideSendsCloseWithItsCode() throws Exception {
    try (SimpleServer server =
            server()
                .authenticator(
                    (client, credentials) -> {
                      // an error no handler catches, like a class missing at run time
                      throw new NoClassDefFoundError("simulated: com/example/Missing");
                    })
                .start();
        RawPeer peer = new RawPeer(port(server))) {
      peer.send(RawPeer.hello(FrameHeader.VERSION, "unlucky", 100));
      RawPeer.Received last = peer.readUntilClosed();
      assertThat(last.type()).isEqualTo(FrameType.CLOSE);
      assertThat(last.error()).isEqualTo(ErrorKind.CLOSE_INTERNAL_ERROR);
      assertThat(last.text()).contains("internal error").contains("simulated");
    }
  }

  @Test
  void anAllocationFailureClosesOnlyThatConnectionAsOverloaded() throws Exception {
    try (SimpleServer server =
            server()
                .authenticator(
                    (client, credentials) -> {
                      if (client.clientId().equals("unlucky")) {
                        // what a failed direct-memory reservation throws
                        throw new OutOfMemoryError("simulated: cannot reserve direct buffer memory");
                      }
                      return null; // accepted
                    })
                .start();
        RawPeer peer = new RawPeer(port(server));
        RawPeer other = new RawPeer(port(server))) {
      peer.send(RawPeer.hello(FrameHeader.VERSION, "unlucky", 10_000));
      RawPeer.Received last = peer.readUntilClosed();
      assertThat(last.type()).isEqualTo(FrameType.CLOSE);
      assertThat(last.error()).isEqualTo(ErrorKind.CLOSE_OVERLOADED);
      assertThat(last.text()).contains("out of memory").contains("simulated");
      // the loop and the other connections carry on
      other.handshake("lucky");
    }
  }

  @Test
  void aClientTellsASilentServerWhyItCloses() throws Exception {
    try (java.net.ServerSocket listener = new java.net.ServerSocket(0);
        SimpleClient client =
            SimpleClient.builder(TcpConnector.of("127.0.0.1", listener.getLocalPort()))
                .keepAlive(Duration.ofMillis(100), Duration.ofMillis(400))
                .reconnectBackoff(Duration.ofSeconds(10), Duration.ofSeconds(10))
                .start();
        RawPeer silentServer = new RawPeer(listener.accept())) {
      assertThat(silentServer.read().type()).isEqualTo(FrameType.HELLO);
      java.nio.ByteBuffer welcome =
          java.nio.ByteBuffer.allocate(16).putInt(1 << 24).putInt(1 << 16).putInt(100).putInt(0);
      silentServer.send(
          RawPeer.frame(FrameHeader.VERSION, FrameType.WELCOME, 0, 0, welcome.array()));
      CompletableFuture<String> request =
          client.request("anyone there?", String.class).toFuture();
      RawPeer.Received last = silentServer.readUntilClosed();
      assertThat(last.type()).isEqualTo(FrameType.CLOSE);
      assertThat(last.error()).isEqualTo(ErrorKind.CLOSE_KEEP_ALIVE_TIMEOUT);
      assertThat(request)
          .failsWithin(Duration.ofSeconds(10))
          .withThrowableThat()
          .withMessageContaining("keep-alive timeout");
    }
  }
}
