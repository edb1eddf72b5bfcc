package io.communica.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.*;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

class SmokeTest {
  @Test
  void roundTrip() {
    try (SimpleServer server = SimpleServer.builder(TcpConnector.of("127.0.0.1", 0))
            .handler(Handler.nonBlocking(String.class, s -> "hi " + s)).start();
        SimpleClient client = SimpleClient.builder(server.connector()).start()) {
      assertThat(client.request("bob", String.class).block(Duration.ofSeconds(5))).isEqualTo("hi bob");
      long n = Flux.range(0, 10000).flatMap(i -> client.request("x" + i, String.class), 256).count().block(Duration.ofSeconds(20));
      assertThat(n).isEqualTo(10000);
    }
  }
}
