package io.communica.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.Handler;
import io.communica.core.RouteClient;
import io.communica.core.RouteServer;
import io.communica.core.Utf8Serializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
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
      byte[] big = new byte[BIG];
      Arrays.fill(big, (byte) 7);
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
}
