package io.communica.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.communica.core.Connector;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Connector strings: every option dumps and loads back; bad strings say what is wrong. No broker. */
class AmqpConnectorTest {

  @Test
  void defaultsDumpToTheShortForm() {
    AmqpConnector c = (AmqpConnector) Connector.load("amqp://127.0.0.1?address=billing");
    assertThat(c.dump()).isEqualTo("amqp://127.0.0.1:5672/%2F?address=billing");
    assertThat(c.port()).isEqualTo(5672);
    assertThat(c.vhost()).isEqualTo("/");
    assertThat(c.prefetch()).isEqualTo(AmqpConnector.DEFAULT_PREFETCH);
    assertThat(c.liveness()).isEqualTo(AmqpConnector.DEFAULT_LIVENESS);
    assertThat(AmqpConnector.of("billing")).isEqualTo(c);
  }

  @Test
  void everyOptionRoundTrips() {
    String s =
        "amqps://us%3Aer:p%40ss%2Fw@rabbit.example:5999/my%2Fvhost?address=orders.v2"
            + "&prefix=app&prefetch=10&heartbeat=30s&liveness=1500ms&expires=2h&addressExpires=7d";
    AmqpConnector c = (AmqpConnector) Connector.load(s);
    assertThat(c.tls()).isTrue();
    assertThat(c.host()).isEqualTo("rabbit.example");
    assertThat(c.vhost()).isEqualTo("my/vhost");
    assertThat(c.liveness()).isEqualTo(Duration.ofMillis(1500));
    assertThat(c.addressExpires()).isEqualTo(Duration.ofDays(7));
    assertThat(c.dump()).isEqualTo(s);
    assertThat(Connector.load(c.dump())).isEqualTo(c);
  }

  @Test
  void aPasswordFromTheEnvironmentStaysOutOfTheDump() {
    AmqpConnector c =
        AmqpConnector.builder("billing").user("app").passwordFromEnv("RABBIT_PASSWORD").build();
    assertThat(c.dump())
        .isEqualTo("amqp://app@127.0.0.1:5672/%2F?address=billing&passwordEnv=RABBIT_PASSWORD")
        .doesNotContain("secret");
    assertThat(Connector.load(c.dump())).isEqualTo(c);
    AmqpConnector missing =
        AmqpConnector.builder("billing").passwordFromEnv("COMMUNICA_TEST_UNSET_VARIABLE").build();
    assertThatThrownBy(() -> missing.factory(Duration.ofSeconds(1)))
        .hasMessageContaining("COMMUNICA_TEST_UNSET_VARIABLE")
        .hasMessageContaining("not set");
    assertThatThrownBy(() -> Connector.load("amqp://u:p@h?address=a&passwordEnv=X"))
        .hasMessageContaining("not both");
  }

  @Test
  void theBrokerUriFormWithAnAddress() {
    AmqpConnector c = AmqpConnector.of("amqp://guest:guest@127.0.0.1:5672", "billing");
    assertThat(c.dump()).isEqualTo("amqp://guest:guest@127.0.0.1:5672/%2F?address=billing");
    assertThat(c.withAddress("other").address()).isEqualTo("other");
    assertThat(AmqpConnector.builder("x").tls().build().port()).isEqualTo(5671);
  }

  @Test
  void badStringsSayWhatIsWrong() {
    assertThatThrownBy(() -> Connector.load("amqp://127.0.0.1"))
        .hasMessageContaining("'address' option");
    assertThatThrownBy(() -> Connector.load("amqp://127.0.0.1?address=a&colour=red"))
        .hasMessageContaining("unknown option 'colour'");
    assertThatThrownBy(() -> Connector.load("amqp://127.0.0.1?address=a/b"))
        .hasMessageContaining("letters, digits");
    assertThatThrownBy(() -> Connector.load("amqp://127.0.0.1?address=a&liveness=soon"))
        .hasMessageContaining("not a duration");
    assertThatThrownBy(() -> Connector.load("amqp://127.0.0.1?address=a&liveness=100ms"))
        .hasMessageContaining("300ms");
    assertThatThrownBy(() -> Connector.load("amqp://127.0.0.1?address=a&prefetch=0"))
        .hasMessageContaining("prefetch");
    assertThatThrownBy(() -> Connector.load("amqp://127.0.0.1?address=a&heartbeat=1500ms"))
        .hasMessageContaining("whole seconds");
    assertThatThrownBy(() -> Connector.load("amqp://127.0.0.1?address=a&liveness=1h&expires=10m"))
        .hasMessageContaining("longer than liveness");
  }

  @Test
  void clientIdsBecomeSafeBoundedQueueNames() {
    assertThat(Naming.encodeId("shop-1_a")).isEqualTo("shop-1_a");
    assertThat(Naming.encodeId("a.b/ü")).isEqualTo("a.2eb.2f.c3.bc");
    String longId = "z".repeat(256);
    assertThat(Naming.encodeId(longId)).hasSize(93).startsWith("z".repeat(60) + "~");
    assertThat(Naming.encodeId(longId)).isNotEqualTo(Naming.encodeId("z".repeat(255)));
  }
}
