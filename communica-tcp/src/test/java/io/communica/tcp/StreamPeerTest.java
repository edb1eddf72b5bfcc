package io.communica.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.SimpleClient;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** Streams against a peer that does not announce the streams capability (an older version). */
@Timeout(60)
class StreamPeerTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void aPeerWithoutStreamsIsToldSoBeforeAnythingIsSent() throws Exception {
    try (ServerSocket listener = new ServerSocket(0);
        SimpleClient client =
            SimpleClient.builder(TcpConnector.of("127.0.0.1", listener.getLocalPort())).build()) {
      client.start();
      try (RawPeer peer = new RawPeer(listener.accept())) {
        assertThat(peer.read().type()).isEqualTo(FrameType.HELLO);
        // a WELCOME with capability bits 0: a peer of version 2 before streams
        ByteBuffer welcome =
            ByteBuffer.allocate(16).putInt(1 << 24).putInt(1 << 16).putInt(10_000).putInt(0);
        peer.send(RawPeer.frame(FrameHeader.VERSION, FrameType.WELCOME, 0, 0, welcome.array()));
        client.connected().block(WAIT);
        StepVerifier.create(client.requestStream("x", String.class))
            .expectErrorSatisfies(
                e ->
                    assertThat(e)
                        .isInstanceOf(UnsupportedOperationException.class)
                        .hasMessageContaining("does not support streams"))
            .verify(WAIT);
        StepVerifier.create(client.requestChannel(Flux.just("a"), String.class))
            .expectError(UnsupportedOperationException.class)
            .verify(WAIT);
        // nothing stream-like reached the peer, and the connection still carries requests
        client.fireAndForget("still here").block(WAIT);
        RawPeer.Received next = peer.read();
        assertThat(next.type()).isEqualTo(FrameType.MESSAGE);
      }
    }
  }
}
