package io.communica.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.Handler;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Whatever a raw socket sends, the server closes that connection with a reason where the peer can
 * read one, and keeps serving a well-behaved client at the same time.
 */
@Timeout(30)
class BadInputTest {

  private SimpleServer server;
  private SimpleClient client;
  private int port;

  @BeforeEach
  void start() {
    server =
        SimpleServer.builder(TcpConnector.of("127.0.0.1", 0))
            .handler(Handler.nonBlocking(String.class, s -> "ok " + s))
            .handshakeTimeout(Duration.ofMillis(500))
            .start();
    port = ((TcpConnector) server.connector()).port();
    client = SimpleClient.builder(server.connector()).start();
    assertServing();
  }

  @AfterEach
  void stop() {
    assertServing();
    client.close();
    server.close();
  }

  private void assertServing() {
    assertThat(client.request("ping", String.class).block(Duration.ofSeconds(10)))
        .isEqualTo("ok ping");
  }

  @Test
  void garbageIsRefusedAndClosed() throws Exception {
    try (RawPeer peer = new RawPeer(port)) {
      // "GET " read as a length prefix is 1.2 GB: refused before a byte of it is buffered
      peer.send("GET / HTTP/1.1\r\nHost: example\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      RawPeer.Received last = peer.readUntilClosed();
      assertThat(last).isNotNull();
      assertThat(last.type()).isEqualTo(FrameType.CLOSE);
      assertThat(last.text()).contains("exceeds the maximum frame size");
      assertServing();
    }
  }

  @Test
  void oversizeLengthPrefixClosesWithoutWaitingForTheBytes() throws Exception {
    try (RawPeer peer = new RawPeer(port)) {
      ByteBuffer b = ByteBuffer.allocate(8).putInt(Integer.MAX_VALUE - 1).putInt(0);
      peer.send(b.array());
      RawPeer.Received last = peer.readUntilClosed();
      assertThat(last.type()).isEqualTo(FrameType.CLOSE);
      assertThat(last.text()).contains(String.valueOf(Integer.MAX_VALUE - 1));
    }
  }

  @Test
  void lengthShorterThanTheHeaderIsRefused() throws Exception {
    try (RawPeer peer = new RawPeer(port)) {
      peer.send(ByteBuffer.allocate(8).putInt(3).putInt(0).array());
      assertThat(peer.readUntilClosed().text()).contains("shorter than the frame header");
    }
  }

  @Test
  void truncatedFrameThenEndOfStream() throws Exception {
    try (RawPeer peer = new RawPeer(port)) {
      peer.handshake("truncated");
      byte[] frame = RawPeer.frame(FrameHeader.VERSION, FrameType.REQUEST, 0, 1, new byte[100]);
      byte[] half = new byte[frame.length / 2];
      System.arraycopy(frame, 0, half, 0, half.length);
      peer.send(half);
      peer.shutdownOutput();
      assertThat(peer.readUntilClosed()).isNull();
      assertServing();
    }
  }

  @Test
  void unknownFrameTypeIsRefused() throws Exception {
    try (RawPeer peer = new RawPeer(port)) {
      peer.handshake("unknown-type");
      peer.send(RawPeer.frame(FrameHeader.VERSION, 0x7f, 0, 0, new byte[0]));
      RawPeer.Received last = peer.readUntilClosed();
      assertThat(last.type()).isEqualTo(FrameType.CLOSE);
      assertThat(last.text()).contains("unknown frame type 0x7f");
    }
  }

  @Test
  void wrongProtocolVersionIsRefusedWithTheReason() throws Exception {
    try (RawPeer peer = new RawPeer(port)) {
      peer.send(RawPeer.hello(9, "from-the-future"));
      RawPeer.Received last = peer.readUntilClosed();
      assertThat(last.type()).isEqualTo(FrameType.REFUSE);
      assertThat(last.text()).contains("unsupported protocol version 9");
    }
  }

  @Test
  void requestBeforeHandshakeIsRefused() throws Exception {
    try (RawPeer peer = new RawPeer(port)) {
      peer.send(RawPeer.frame(FrameHeader.VERSION, FrameType.REQUEST, 0, 1, new byte[4]));
      assertThat(peer.readUntilClosed().text()).contains("before the handshake");
    }
  }

  @Test
  void unfinishedHandshakeIsClosedAfterTheHandshakeTimeout() throws Exception {
    try (RawPeer peer = new RawPeer(port)) {
      peer.send(new byte[] {0, 0}); // half a length prefix, then nothing
      RawPeer.Received last = peer.readUntilClosed();
      assertThat(last.text()).contains("no handshake within 500 ms");
    }
  }

  @Test
  void malformedHelloIsRefused() throws Exception {
    try (RawPeer peer = new RawPeer(port)) {
      peer.send(RawPeer.frame(FrameHeader.VERSION, FrameType.HELLO, 0, 0, new byte[3]));
      assertThat(peer.readUntilClosed().text()).contains("HELLO frame too short");
    }
  }

  @Test
  void continuationWithoutStartIsRefused() throws Exception {
    try (RawPeer peer = new RawPeer(port)) {
      peer.handshake("stray-continuation");
      peer.send(
          RawPeer.frame(FrameHeader.VERSION, FrameType.REQUEST, FrameHeader.FLAG_CONTINUED, 5, new byte[10]));
      assertThat(peer.readUntilClosed().text()).contains("REQUEST 5 without a first fragment");
    }
  }

  @Test
  void fragmentedMessageOverTheLimitIsRefused() throws Exception {
    server.close();
    server =
        SimpleServer.builder(TcpConnector.of("127.0.0.1", 0))
            .handler(Handler.nonBlocking(String.class, s -> "ok " + s))
            .maxMessageSize(10_000)
            .start();
    port = ((TcpConnector) server.connector()).port();
    client.close();
    client = SimpleClient.builder(server.connector()).start();
    try (RawPeer peer = new RawPeer(port)) {
      peer.handshake("flood");
      peer.send(RawPeer.frame(FrameHeader.VERSION, FrameType.REQUEST, FrameHeader.FLAG_FOLLOWS, 1, new byte[6000]));
      peer.send(RawPeer.frame(FrameHeader.VERSION, FrameType.REQUEST, FrameHeader.FLAG_CONTINUED | FrameHeader.FLAG_FOLLOWS, 1, new byte[6000]));
      assertThat(peer.readUntilClosed().text()).contains("exceeds the maximum message size");
    }
  }

  @Test
  void tinyFragmentsAreRefused() throws Exception {
    try (RawPeer peer = new RawPeer(port)) {
      peer.handshake("tiny-fragments");
      peer.send(RawPeer.frame(FrameHeader.VERSION, FrameType.REQUEST, FrameHeader.FLAG_FOLLOWS, 1, new byte[2000]));
      // empty continuations would add work without adding bytes to the message limit
      peer.send(RawPeer.frame(FrameHeader.VERSION, FrameType.REQUEST, FrameHeader.FLAG_CONTINUED | FrameHeader.FLAG_FOLLOWS, 1, new byte[0]));
      assertThat(peer.readUntilClosed().text()).contains("fragments carry at least 1024");
    }
  }

  /**
   * Restarts the server with a 1 MiB share per connection, answering an empty request with 60 kB;
   * returns a latch that opens when client {@code clientId} disconnects.
   */
  private java.util.concurrent.CountDownLatch largeRepliesServerWatching(String clientId) {
    server.close();
    server =
        SimpleServer.builder(TcpConnector.of("127.0.0.1", 0))
            .handler(Handler.nonBlocking(String.class, s -> s == null ? "r".repeat(60_000) : "ok " + s))
            .maxQueuedBytes(1 << 20)
            .start();
    port = ((TcpConnector) server.connector()).port();
    client.close();
    client = SimpleClient.builder(server.connector()).start();
    java.util.concurrent.CountDownLatch gone = new java.util.concurrent.CountDownLatch(1);
    server
        .events()
        .filter(e -> e.type() == io.communica.core.ClientEvent.Type.DISCONNECTED)
        .filter(e -> e.client().clientId().equals(clientId))
        .subscribe(e -> gone.countDown());
    return gone;
  }

  /** Sends {@code count} empty requests at once, never reading; the server may close meanwhile. */
  private static void pipelineEmptyRequests(RawPeer peer, int count) {
    try {
      peer.send(RawPeer.emptyRequests(count));
    } catch (java.io.IOException closedWhileSending) {
      // the server may close before it read everything
    }
  }

  @Test
  void aClientThatDoesNotReadItsRepliesIsClosed() throws Exception {
    java.util.concurrent.CountDownLatch gone = largeRepliesServerWatching("deaf");
    try (RawPeer peer = new RawPeer(port)) {
      peer.handshake("deaf");
      // 4000 small requests, each answered by 60 kB that the peer does not read
      pipelineEmptyRequests(peer, 4000);
      // the server gives up on this connection instead of queueing 240 MB of replies: once the
      // socket buffers are full, the replies past the 1 MiB queue bound close it
      assertThat(gone.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      peer.readUntilClosed();
    }
  }

  @Test
  void aClientThatAnnouncesSmallFramesAndDoesNotReadItsLargeRepliesIsClosed() throws Exception {
    java.util.concurrent.CountDownLatch gone = largeRepliesServerWatching("small-frames");
    try (RawPeer peer = new RawPeer(port)) {
      // frames of 4 KiB at most: every 60 kB reply goes out in fragments, one per turn
      peer.send(RawPeer.hello(FrameHeader.VERSION, "small-frames".getBytes(StandardCharsets.UTF_8), 10_000, 0, null, 4096));
      assertThat(peer.read().type()).isEqualTo(FrameType.WELCOME);
      pipelineEmptyRequests(peer, 2000);
      // 120 MB of replies would wait in fragments: the server gives up on the connection instead
      assertThat(gone.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }
  }
}
