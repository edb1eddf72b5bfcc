package io.communica.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.MessageTooLargeException;
import io.communica.core.OverloadedException;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.communica.netty.NettyFrameConnection;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;

/** A peer that stops reading: the sender gets backpressure or a clear error, not a full heap. */
@Timeout(60)
class BackpressureTest {

  @Test
  void aPeerThatDoesNotReadMakesTheSenderWaitThenFailClearly() throws Exception {
    try (ServerSocket listener = new ServerSocket(0)) {
      listener.setReceiveBufferSize(64 * 1024);
      long bound = 4L * 1024 * 1024;
      try (SimpleClient client =
          SimpleClient.builder(TcpConnector.of("127.0.0.1", listener.getLocalPort()))
              .maxQueuedBytes(bound)
              .requestTimeout(Duration.ofSeconds(2))
              .build()) {
        client.start();
        try (RawPeer server = new RawPeer(listener.accept())) {
          welcome(server, client);

          // an awaiting sender is held back: its messages stop completing once the socket is full
          byte[] chunk = new byte[32 * 1024];
          AtomicLong sent = new AtomicLong();
          Flux.range(0, 10_000)
              .concatMap(i -> client.fireAndForget(chunk).doOnSuccess(x -> sent.incrementAndGet()))
              .take(Duration.ofSeconds(2))
              .blockLast(Duration.ofSeconds(20)); // an error would throw here
          // 320 MB were offered; what was taken is bounded by socket buffers and the queue
          assertThat(sent.get() * chunk.length).isLessThan(64L * 1024 * 1024);

          // a sender that does not wait hits the queue bound and gets a clear error
          AtomicInteger overloaded = new AtomicInteger();
          for (int i = 0; i < 1000; i++) {
            client
                .fireAndForget(chunk)
                .subscribe(
                    null,
                    e -> {
                      if (e instanceof OverloadedException) {
                        overloaded.incrementAndGet();
                      }
                    });
          }
          // past the queue bound, only what the transport takes ahead of its mark (counted on
          // the memory budget) may still go, as the kernel takes a little more meanwhile
          long ahead = NettyFrameConnection.WRITE_AHEAD;
          assertThat(overloaded.get())
              .isGreaterThan(1000 - (int) ((bound + ahead) / chunk.length) - 2);

          // a request stuck behind the full socket still times out on time
          reactor.test.StepVerifier.create(
                  client.request("stuck", String.class, Duration.ofMillis(500)))
              .expectError(io.communica.core.RequestTimeoutException.class)
              .verify(Duration.ofSeconds(10));
        }
      }
    }
  }

  @Test
  void writingAheadOfTheMarkStaysWithinASmallQueueBoundAndKeepsTheConnection() throws Exception {
    // the client may queue at most 150 KiB, less than the transport's write-ahead: what it writes
    // past the mark stays within half the bound, so a peer that does not read makes its sends
    // wait and then fail as overload, and does not get the connection closed as "not reading"
    try (ServerSocket listener = new ServerSocket(0)) {
      listener.setReceiveBufferSize(64 * 1024);
      try (SimpleClient client =
          SimpleClient.builder(TcpConnector.of("127.0.0.1", listener.getLocalPort()))
              .maxQueuedBytes(150 * 1024)
              .requestTimeout(Duration.ofSeconds(5))
              .build()) {
        client.start();
        try (RawPeer server = new RawPeer(listener.accept())) {
          welcome(server, client);

          byte[] chunk = new byte[4 * 1024];
          AtomicInteger overloaded = new AtomicInteger();
          AtomicReference<Throwable> other = new AtomicReference<>();
          // offered without waiting until the bound refuses one (a refusal is told at once, on
          // this thread); the loop meanwhile drains the queue into the socket and past the mark
          for (int i = 0; i < 200_000 && overloaded.get() == 0; i++) {
            client
                .fireAndForget(chunk)
                .subscribe(
                    null,
                    e -> {
                      if (e instanceof OverloadedException) {
                        overloaded.incrementAndGet();
                      } else {
                        other.compareAndSet(null, e);
                      }
                    });
          }
          assertThat(overloaded.get()).as("sends past the queue bound").isPositive();
          assertThat(other.get()).as("a failure other than overload").isNull();
          assertThat(client.isConnected()).isTrue();
        }
      }
    }
  }

  /** The raw peer answers the client's HELLO; returns once the client is connected. */
  private static void welcome(RawPeer server, SimpleClient client) throws Exception {
    assertThat(server.read().type()).isEqualTo(FrameType.HELLO);
    ByteBuffer welcome = ByteBuffer.allocate(12).putInt(1 << 24).putInt(1 << 16).putInt(10_000);
    server.send(RawPeer.frame(FrameHeader.VERSION, FrameType.WELCOME, 0, 0, welcome.array()));
    client.connected().block(Duration.ofSeconds(10));
  }

  @Test
  void aCallThatFailsLeavesTheQueueBoundBeforeItsCallerHears() throws Exception {
    // the server takes at most 64 KiB; the client queues at most 150 KiB. A 100 KiB request is
    // refused when it is written; the moment its caller hears so, another thread sends 100 KiB
    // (here while the refusal is still being told, on the connection's loop): the refused bytes
    // no longer count, so it is queued, not refused as overload, and is refused for its size
    try (SimpleServer server =
            TestServers.okServer().maxMessageSize(64 * 1024).start();
        SimpleClient client =
            SimpleClient.builder(TcpConnector.of("127.0.0.1", TestServers.port(server)))
                .maxQueuedBytes(150 * 1024)
                .build()) {
      client.start();
      client.connected().block(Duration.ofSeconds(10));
      byte[] big = new byte[100 * 1024];
      AtomicReference<Throwable> second = new AtomicReference<>();
      CountDownLatch secondDone = new CountDownLatch(1);
      reactor.test.StepVerifier.create(
              client
                  .request(big, String.class)
                  .doOnError(
                      e -> {
                        Thread sender =
                            new Thread(
                                () ->
                                    client
                                        .fireAndForget(big)
                                        .subscribe(
                                            null,
                                            err -> {
                                              second.set(err);
                                              secondDone.countDown();
                                            },
                                            secondDone::countDown));
                        sender.start();
                        try {
                          sender.join(10_000);
                        } catch (InterruptedException ie) {
                          Thread.currentThread().interrupt();
                        }
                        // what the send was told while the refusal was being delivered
                        assertThat(second.get())
                            .as("the second send, refused as overload while the first was refused")
                            .isNull();
                      }))
          .expectError(MessageTooLargeException.class)
          .verify(Duration.ofSeconds(10));
      assertThat(secondDone.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(second.get()).isInstanceOf(MessageTooLargeException.class);
    }
  }
}
