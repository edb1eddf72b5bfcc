package io.communica.serializers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.communica.core.Connector;
import io.communica.core.Route;
import io.communica.core.RouteClient;
import io.communica.core.TransportServer;
import io.communica.core.Utf8Serializer;
import io.communica.core.transport.ConnectionHandler;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.TransportOptions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

/** Which serializers count as one for the rule that one route keeps one serializer. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SerializerIdentityTest {

  record Order(String id) {}

  @Test
  void serializersBuiltAlikeAreEqualAndDifferentlyConfiguredOnesAreNot() {
    assertThat(new JsonSerializer()).isEqualTo(new JsonSerializer());
    assertThat(new JsonSerializer().hashCode()).isEqualTo(new JsonSerializer().hashCode());
    assertThat(JsonSerializer.validating()).isEqualTo(JsonSerializer.validating());
    assertThat(JsonSerializer.validating()).isNotEqualTo(new JsonSerializer());
    assertThat(JsonSerializer.builder().strict().build()).isNotEqualTo(new JsonSerializer());
    assertThat(JsonSerializer.builder().strict().build())
        .isNotEqualTo(JsonSerializer.validating());
    assertThat(JsonSerializer.builder().maxStringLength(10).build())
        .isNotEqualTo(JsonSerializer.builder().maxStringLength(11).build());
    assertThat(new CborSerializer()).isNotEqualTo(new JsonSerializer());
    var mapper = JsonSerializer.defaultMapper();
    assertThat(JsonSerializer.of(mapper)).isEqualTo(JsonSerializer.of(mapper));
    assertThat(JsonSerializer.of(mapper)).isNotEqualTo(JsonSerializer.of(JsonSerializer.defaultMapper()));
    assertThat(new Utf8Serializer()).isEqualTo(new Utf8Serializer());
  }

  @Test
  void aRouteUsedWithPlainJsonRefusesValidatingJson() {
    try (RouteClient client = RouteClient.builder(new Unreachable()).build()) {
      Route<Order, Order> plain = Route.of("orders", Order.class, Order.class)
          .withSerializer(new JsonSerializer());
      Route<Order, Order> validating = Route.of("orders", Order.class, Order.class)
          .withSerializer(JsonSerializer.validating());
      Route<Order, Order> plainAgain = Route.of("orders", Order.class, Order.class)
          .withSerializer(new JsonSerializer());
      client.request(plain, new Order("1"));
      // another instance built alike is the same serializer
      client.request(plainAgain, new Order("2"));
      assertThatThrownBy(() -> client.request(validating, new Order("3")))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("one route, one serializer")
          .hasMessageContaining("validating");
    }
  }

  /** A connector never used: the rule is checked before anything is sent. */
  private static final class Unreachable extends Connector {
    @Override
    public String scheme() {
      return "none";
    }

    @Override
    public String dump() {
      return "none://";
    }

    @Override
    public Mono<TransportServer> bind(TransportOptions options, ConnectionHandler handler) {
      return Mono.error(new UnsupportedOperationException());
    }

    @Override
    public Mono<FrameConnection> connect(TransportOptions options, ConnectionHandler handler) {
      return Mono.error(new UnsupportedOperationException());
    }
  }
}
