package io.communica.test.loopback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.communica.core.Connector;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.TransportOptions;
import io.communica.core.TransportServer;
import io.communica.test.Frames;
import io.communica.test.Frames.Recorder;
import io.netty.buffer.ByteBuf;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The in-JVM transport below the entities: copies, sizes, backpressure, names. */
class LoopbackConnectorTest {

  static final Duration WAIT = Duration.ofSeconds(5);
  static final AtomicInteger NEXT = new AtomicInteger();

  private final List<TransportServer> servers = new ArrayList<>();

  @AfterEach
  void close() {
    servers.forEach(TransportServer::close);
  }

  LoopbackConnector address() {
    return LoopbackConnector.named("spi-" + NEXT.incrementAndGet());
  }

  TransportServer bind(LoopbackConnector address, int maxFrameSize, Recorder listener) {
    TransportServer s =
        address.bind(new TransportOptions(maxFrameSize, WAIT), c -> listener).block(WAIT);
    servers.add(s);
    return s;
  }

  /** A server on a fresh name with {@code server} as its listener, and a client connected to it. */
  FrameConnection connected(int maxFrameSize, Recorder server, Recorder client) {
    LoopbackConnector address = address();
    bind(address, maxFrameSize, server);
    return connect(address, client);
  }

  static FrameConnection connect(Connector address, Recorder listener) {
    return address.connect(new TransportOptions(65_536, WAIT), c -> listener).block(WAIT);
  }

  /** Runs {@code task} on the connection's loop and waits for it. */
  static <T> T onLoop(FrameConnection conn, java.util.function.Supplier<T> task) throws Exception {
    CompletableFuture<T> done = new CompletableFuture<>();
    conn.execute(() -> done.complete(task.get()));
    return done.get(5, TimeUnit.SECONDS);
  }

  @Test
  void framesCrossAsCopiesInOrderAndTheWrittenBufferIsReleased() throws Exception {
    Recorder server = new Recorder();
    Recorder client = new Recorder();
    FrameConnection conn = connected(65_536, server, client);
    List<ByteBuf> written = new ArrayList<>();
    onLoop(
        conn,
        () -> {
          for (int i = 1; i <= 3; i++) {
            ByteBuf f = Frames.frame(conn.alloc(), Frames.minimum() + i, i);
            written.add(f);
            conn.write(f);
          }
          conn.flush();
          return null;
        });
    for (int i = 1; i <= 3; i++) {
      byte[] got = server.frames.poll(5, TimeUnit.SECONDS);
      assertThat(got).hasSize(Frames.minimum() + i);
      assertThat(got[got.length - 1]).isEqualTo((byte) i);
    }
    assertThat(written).allSatisfy(b -> assertThat(b.refCnt()).isZero());
    assertThat(written).noneMatch(b -> b == server.lastLent);
  }

  @Test
  void aFrameOverTheReceiversMaximumIsAProtocolErrorThatClosesBothSides() throws Exception {
    Recorder server = new Recorder();
    Recorder client = new Recorder();
    FrameConnection conn = connected(64, server, client);
    onLoop(
        conn,
        () -> {
          // the limit counts a stream transport's 4-byte length prefix, as over TCP
          conn.write(Frames.frame(conn.alloc(), 60, 1)); // at the limit: crosses
          conn.write(Frames.frame(conn.alloc(), 61, 2));
          conn.flush();
          return null;
        });
    assertThat(server.frames.poll(5, TimeUnit.SECONDS)).hasSize(60);
    assertThat(server.errors.poll(5, TimeUnit.SECONDS))
        .isEqualTo("frame length 61 exceeds the maximum frame size of 64");
    assertThat(server.closed.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(client.closed.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(server.frames).isEmpty();
  }

  @Test
  void writesStopAtTheHighWaterMarkAndResumeOnceTheReaderTookThem() throws Exception {
    CountDownLatch reading = new CountDownLatch(1);
    Recorder server =
        new Recorder() {
          @Override
          public void onFrame(ByteBuf frame) {
            try {
              reading.await(); // a reader that does not keep up
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            super.onFrame(frame);
          }
        };
    Recorder client = new Recorder();
    FrameConnection conn = connected(65_536, server, client);
    try {
      int frame = 16 * 1024;
      int sent =
          onLoop(
              conn,
              () -> {
                int n = 0;
                while (conn.isWritable()) {
                  conn.write(Frames.frame(conn.alloc(), frame, n));
                  conn.flush();
                  n++;
                }
                return n;
              });
      assertThat((long) sent * frame).isGreaterThan(LoopbackConnection.HIGH_WATER_MARK);
      assertThat(onLoop(conn, conn::pendingWriteBytes))
          .isLessThanOrEqualTo(LoopbackConnection.HIGH_WATER_MARK + frame);
      assertThat(client.writable.get()).isZero();
      reading.countDown();
      for (int i = 0; i < sent; i++) {
        assertThat(server.frames.poll(5, TimeUnit.SECONDS)).isNotNull();
      }
      assertThat(client.becameWritable.await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(client.writable.get()).isEqualTo(1);
    } finally {
      reading.countDown(); // never leave the server's loop waiting
    }
    assertThat(onLoop(conn, conn::isWritable)).isTrue();
  }

  @Test
  void namesAreBoundOnceAndFreedByClose() {
    LoopbackConnector address = address();
    TransportServer first = bind(address, 65_536, new Recorder());
    assertThatThrownBy(() -> bind(address, 65_536, new Recorder()))
        .hasMessageContaining("address in use")
        .hasMessageContaining(address.dump());
    first.close();
    first.onClose().block(WAIT);
    assertThatThrownBy(() -> connect(address, new Recorder()))
        .hasCauseInstanceOf(ConnectException.class)
        .hasMessageContaining("no server is bound on " + address.dump());
    bind(address, 65_536, new Recorder());
    assertThat(connect(address, new Recorder()).remoteAddress()).startsWith(address.dump() + "#");
  }

  @Test
  void loadsFromItsDumpAndRefusesWhatItIsNot() {
    assertThat(Connector.load("loopback://orders-test")).isEqualTo(LoopbackConnector.named("orders-test"));
    assertThat(LoopbackConnector.named("a.b-c_1").dump()).isEqualTo("loopback://a.b-c_1");
    for (String bad :
        List.of("loopback://", "loopback://x:1", "loopback://x/path", "loopback://x?opt=1", "loopback://u@x")) {
      assertThatThrownBy(() -> Connector.load(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(bad);
    }
  }
}
