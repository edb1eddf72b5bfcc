package io.communica.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.Handler;
import io.communica.core.SimpleServer;
import io.communica.core.Utf8Serializer;
import io.communica.core.frame.Capabilities;
import io.communica.core.frame.ErrorKind;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;

/**
 * Streams seen on the wire by a hand-driven requester: the server sends exactly the credits
 * granted, stops at a cancel, and treats malformed credits as a protocol error.
 */
@Timeout(60)
class StreamWireTest {

  /** A frame with every header field. */
  private static byte[] frame(int type, int flags, int contentType, int id, int error, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(4 + FrameHeader.SIZE + payload.length);
    b.putInt(FrameHeader.SIZE + payload.length);
    b.put((byte) FrameHeader.VERSION).put((byte) type).put((byte) flags).put((byte) contentType);
    b.putInt(id).putShort((short) error).putShort((short) 0).put(payload);
    return b.array();
  }

  private static byte[] requestN(int id, int n) {
    return frame(FrameType.REQUEST_N, 0, 0, id, 0, ByteBuffer.allocate(4).putInt(n).array());
  }

  /** Reads frames up to the PONG answering a PING sent now; returns the NEXT frames among them. */
  private static int nextsBeforePong(RawPeer peer) throws Exception {
    peer.send(frame(FrameType.PING, 0, 0, 0, 0, new byte[0]));
    int nexts = 0;
    for (RawPeer.Received r; (r = peer.read()) != null; ) {
      if (r.type() == FrameType.PONG) {
        return nexts;
      }
      assertThat(r.type()).isEqualTo(FrameType.NEXT);
      nexts++;
    }
    throw new AssertionError("connection closed");
  }

  @Test
  void theServerSendsExactlyTheCreditsGrantedAndStopsAtACancel() throws Exception {
    AtomicLong emitted = new AtomicLong();
    try (SimpleServer server =
            SimpleServer.builder(TcpConnector.of("127.0.0.1", 0))
                .serializer(new Utf8Serializer())
                .handler(
                    Handler.stream(
                        String.class,
                        s -> Flux.range(1, 1_000_000).map(String::valueOf).doOnNext(i -> emitted.incrementAndGet())))
                .start();
        RawPeer peer = new RawPeer(TestServers.port(server))) {
      peer.send(
          RawPeer.hello(
              FrameHeader.VERSION, "raw".getBytes(StandardCharsets.UTF_8), 10_000,
              Capabilities.STREAMS, null));
      assertThat(peer.read().type()).isEqualTo(FrameType.WELCOME);
      // first credits in the opening frame's error-kind field
      peer.send(frame(FrameType.REQUEST_STREAM, 0, 1, 7, 3, "go".getBytes(StandardCharsets.UTF_8)));
      int received = 0;
      while (received < 3) {
        RawPeer.Received r = peer.read();
        assertThat(r.type()).isEqualTo(FrameType.NEXT);
        assertThat(r.text()).isEqualTo(String.valueOf(++received));
      }
      assertThat(nextsBeforePong(peer)).isZero();
      peer.send(requestN(7, 2));
      assertThat(nextsBeforePong(peer)).isEqualTo(2);
      assertThat(emitted.get()).isEqualTo(5);
      peer.send(frame(FrameType.CANCEL, 0, 0, 7, 0, new byte[0]));
      peer.send(requestN(7, 100)); // late: the stream is gone
      assertThat(nextsBeforePong(peer)).isZero();
      assertThat(emitted.get()).isEqualTo(5);
      // credits of 0 are malformed: the connection closes with a protocol error
      peer.send(frame(FrameType.REQUEST_STREAM, 0, 1, 8, 0, new byte[0]));
      peer.send(requestN(8, 0));
      RawPeer.Received last = peer.readUntilClosed();
      assertThat(last.type()).isEqualTo(FrameType.CLOSE);
      assertThat(last.error()).isEqualTo(ErrorKind.CLOSE_PROTOCOL_ERROR);
      assertThat(last.text()).contains("REQUEST_N of 0 credits");
    }
  }
}
