package io.communica.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.Handler;
import io.communica.core.Payload;
import io.communica.core.RouteClient;
import io.communica.core.RouteServer;
import io.communica.core.Utf8Serializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Messages larger than the frame size go out in fragments interleaved with every other frame: small
 * requests made while 16 MiB messages are being sent on the same connection complete first.
 */
@Timeout(60)
class InterleavingTest {

  private static final int BIG = 16 * 1024 * 1024;

  @Test
  void smallRequestsOvertakeSixteenMebibyteMessagesBothWays() {
    try (RouteServer server =
            RouteServer.builder(TcpConnector.of("127.0.0.1", 0))
                .serializer(new Utf8Serializer())
                .route("size", Handler.nonBlocking(byte[].class, b -> String.valueOf(b.length)))
                .route("echo", Handler.nonBlocking(byte[].class, b -> b))
                .route("small", Handler.nonBlocking(String.class, s -> "ok " + s))
                .start();
        RouteClient client =
            RouteClient.builder(server.connector()).serializer(new Utf8Serializer()).start()) {
      client.connected().block(Duration.ofSeconds(10));
      byte[] big = pattern(BIG);
      ConcurrentLinkedQueue<String> done = new ConcurrentLinkedQueue<>();
      List<Mono<?>> calls = new ArrayList<>();
      // the echo's reply comes back as large as it went, interleaved in the other direction
      calls.add(
          client.request("echo", big, byte[].class)
              .doOnNext(r -> assertThat(r).isEqualTo(big))
              .doOnSuccess(r -> done.add("echo")));
      calls.add(
          client.request("size", big, String.class)
              .doOnNext(r -> assertThat(r).isEqualTo(String.valueOf(BIG)))
              .doOnSuccess(r -> done.add("size")));
      for (int i = 0; i < 10; i++) {
        String n = String.valueOf(i);
        calls.add(
            client.request("small", n, String.class)
                .doOnNext(r -> assertThat(r).isEqualTo("ok " + n))
                .doOnSuccess(r -> done.add("small")));
      }
      Flux.merge(calls).then().block(Duration.ofSeconds(50));
      assertThat(done).hasSize(12);
      List<String> order = new ArrayList<>(done);
      assertThat(order.subList(0, 10)).as("completion order %s", order).containsOnly("small");
    }
  }

  /**
   * A message past what Netty's allocator pools (1 MiB) is reassembled on the heap from the point
   * its buffer grows past that: a {@code Payload} view of it reaches the handler, goes back as the
   * reply and arrives intact, every byte in its place.
   */
  @Test
  void aPayloadOfThreeMebibytesIsEchoedIntact() {
    try (RouteServer server =
            RouteServer.builder(TcpConnector.of("127.0.0.1", 0))
                .serializer(new Utf8Serializer())
                .route("echo", Handler.nonBlocking(Payload.class, p -> p))
                .start();
        RouteClient client =
            RouteClient.builder(server.connector()).serializer(new Utf8Serializer()).start()) {
      byte[] sent = pattern(3 * 1024 * 1024 + 17);
      try (Payload reply =
          client
              .request("echo", Payload.wrap(sent), Payload.class)
              .block(Duration.ofSeconds(30))) {
        assertThat(reply.toByteArray()).isEqualTo(sent);
      }
    }
  }

  /** {@code n} bytes that differ from their neighbours, so that a byte out of place shows. */
  private static byte[] pattern(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 31 + (i >>> 8));
    }
    return b;
  }
}
