package io.communica.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.ConnectionLostException;
import io.communica.core.Handler;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** A peer that stops sending without closing the connection is noticed by keep-alive. */
@Timeout(30)
class KeepAliveTest {

  @Test
  void serverClosesASilentClient() throws Exception {
    try (SimpleServer server =
        SimpleServer.builder(TcpConnector.of("127.0.0.1", 0))
            .handler(Handler.nonBlocking(String.class, s -> s))
            .keepAlive(Duration.ofMillis(100), Duration.ofMillis(400))
            .start()) {
      int port = ((TcpConnector) server.connector()).port();
      try (RawPeer peer = new RawPeer(port)) {
        peer.send(RawPeer.hello(FrameHeader.VERSION, "silent", 100));
        // the server pings; the peer never answers nor sends anything
        RawPeer.Received first = peer.read();
        assertThat(first.type()).isEqualTo(FrameType.WELCOME);
        boolean sawPing = false;
        for (RawPeer.Received r; (r = peer.read()) != null; ) {
          sawPing |= r.type() == FrameType.PING;
        }
        assertThat(sawPing).isTrue();
      }
    }
  }

  @Test
  void aHelloAnnouncingAHugeIntervalDoesNotKeepASilentConnection() throws Exception {
    try (SimpleServer server =
        TestServers.okServer().keepAlive(Duration.ofMillis(100), Duration.ofMillis(400)).start()) {
      try (RawPeer peer = new RawPeer(TestServers.port(server))) {
        peer.send(RawPeer.hello(FrameHeader.VERSION, "sleepy", Integer.MAX_VALUE));
        assertThat(peer.read().type()).isEqualTo(FrameType.WELCOME);
        long start = System.nanoTime();
        // closed after at most twice the server's timeout, not after 3 * 2^31 ms
        peer.readUntilClosed();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
      }
    }
  }

  /**
   * More silent peers than the server has event loops, so that loops share them: each is closed
   * for keep-alive at its own deadline (its HELLO's time plus the timeout), none earlier, and none
   * left waiting for a tick of another connection (within 3 s, generous for a loaded machine).
   */
  @Test
  void silentPeersSharingLoopsAreEachClosedAtTheirOwnDeadline() throws Exception {
    Duration timeout = Duration.ofMillis(400);
    try (SimpleServer server =
        TestServers.okServer().keepAlive(Duration.ofMillis(100), timeout).start()) {
      int port = TestServers.port(server);
      int peers = 2 * Runtime.getRuntime().availableProcessors() + 3;
      ExecutorService threads =
          Executors.newFixedThreadPool(peers);
      try {
        List<Future<Long>> silences = new ArrayList<>();
        for (int i = 0; i < peers; i++) {
          String id = "silent-" + i;
          silences.add(
              threads.submit(
                  () -> {
                    try (RawPeer peer = new RawPeer(port)) {
                      long hello = System.nanoTime();
                      peer.send(RawPeer.hello(FrameHeader.VERSION, id, 100));
                      assertThat(peer.read().type()).isEqualTo(FrameType.WELCOME);
                      RawPeer.Received last = peer.readUntilClosed();
                      long silence = System.nanoTime() - hello;
                      assertThat(last.type()).isEqualTo(FrameType.CLOSE);
                      assertThat(last.text()).contains("keep-alive");
                      return silence;
                    }
                  }));
        }
        for (Future<Long> f : silences) {
          Duration silence = Duration.ofNanos(f.get(20, TimeUnit.SECONDS));
          assertThat(silence).isGreaterThanOrEqualTo(timeout).isLessThan(Duration.ofSeconds(3));
        }
      } finally {
        threads.shutdownNow();
      }
    }
  }

  @Test
  void clientFailsRequestsWhenTheServerGoesSilent() throws Exception {
    try (ServerSocket listener = new ServerSocket(0)) {
      SimpleClient client =
          SimpleClient.builder(TcpConnector.of("127.0.0.1", listener.getLocalPort()))
              .keepAlive(Duration.ofMillis(100), Duration.ofMillis(400))
              .reconnectBackoff(Duration.ofSeconds(10), Duration.ofSeconds(10))
              .build();
      try (client) {
        client.start();
        Socket accepted = listener.accept();
        try (RawPeer server = new RawPeer(accepted)) {
          assertThat(server.read().type()).isEqualTo(FrameType.HELLO);
          ByteBuffer welcome = ByteBuffer.allocate(12).putInt(1 << 24).putInt(1 << 16).putInt(100);
          server.send(RawPeer.frame(FrameHeader.VERSION, FrameType.WELCOME, 0, 0, welcome.array()));
          client.connected().block(Duration.ofSeconds(10));
          Mono<String> request = client.request("anyone there?", String.class).cache();
          request.subscribe(x -> {}, e -> {});
          StepVerifier.create(request)
              .expectErrorSatisfies(
                  e ->
                      assertThat(e)
                          .isInstanceOf(ConnectionLostException.class)
                          .hasMessageContaining("keep-alive"))
              .verify(Duration.ofSeconds(10));
        }
      }
    }
  }
}
