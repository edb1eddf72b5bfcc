package io.communica.serializers.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.communica.core.Handler;
import io.communica.core.RequestException;
import io.communica.core.Route;
import io.communica.core.RouteClient;
import io.communica.core.RouteServer;
import io.communica.core.SerializationException;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.test.contract.ConnectorContract.Resources;
import io.communica.serializers.CborSerializer;
import io.communica.serializers.FixedLayoutSerializer;
import io.communica.serializers.JsonSerializer;
import io.communica.serializers.MessagePackSerializer;
import io.communica.test.loopback.LoopbackConnector;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** Formats between real peers: mismatches named, one serializer per route, fixed layouts. */
class FormatsOverLoopbackTest {

  private static final AtomicInteger NEXT = new AtomicInteger();

  /** A fresh in-JVM address: the bytes cross as they would between processes. */
  static LoopbackConnector address() {
    return LoopbackConnector.named("formats-" + NEXT.incrementAndGet());
  }

  static final Duration TIMEOUT = Duration.ofSeconds(15);

  sealed interface Telemetry permits Imu, Battery {}

  record Imu(long micros, float ax, float ay, float az) implements Telemetry {}

  record Battery(short millivolts, byte percent, boolean charging) implements Telemetry {}

  static FixedLayoutSerializer telemetry() {
    return FixedLayoutSerializer.builder()
        .byteOrder(ByteOrder.LITTLE_ENDIAN)
        .register(1, Imu.class)
        .register(2, Battery.class)
        .build();
  }

  private final Resources resources = new Resources();

  @AfterEach
  void close() throws Exception {
    resources.closeAll();
  }

  SimpleServer echoServer(io.communica.core.Serializer serializer) {
    return resources.add(
        SimpleServer.builder(address())
            .serializer(serializer)
            .handler(Handler.nonBlocking(Object.class, o -> o))
            .start());
  }

  SimpleClient client(SimpleServer server, io.communica.core.Serializer serializer) {
    return resources.add(SimpleClient.builder(server.connector()).serializer(serializer).start());
  }

  @Test
  void aRequestInAnotherFormatIsRefusedNamingBoth() {
    SimpleServer server = echoServer(new MessagePackSerializer());
    SimpleClient json = client(server, JsonSerializer.validating());
    assertThatThrownBy(() -> json.request("hello", String.class).block(TIMEOUT))
        .isInstanceOf(RequestException.class)
        .hasMessage("the request is in json (content type 2) but the responder decodes msgpack (content type 3)");
    SimpleClient fixed = client(server, telemetry());
    assertThatThrownBy(() -> fixed.request(new Imu(1, 0, 0, 0), Imu.class).block(TIMEOUT))
        .isInstanceOf(RequestException.class)
        .hasMessage("the request is in fixed-layout (content type 5) but the responder decodes msgpack (content type 3)");
    // the same server still answers its own format
    SimpleClient msgpack = client(server, new MessagePackSerializer());
    assertThat(msgpack.request("hello", String.class).block(TIMEOUT)).isEqualTo("hello");
  }

  @Test
  void aReplyInAnotherFormatFailsTheRequestNamingBoth() {
    // a request without data carries no format, so only the reply shows the mismatch
    SimpleServer server =
        resources.add(
            SimpleServer.builder(address())
                .serializer(new CborSerializer())
                .handler(Handler.nonBlocking(String.class, s -> "was " + s))
                .start());
    SimpleClient json = client(server, new JsonSerializer());
    StepVerifier.create(json.request(null, String.class))
        .expectErrorSatisfies(e -> assertThat(e)
            .isInstanceOf(SerializationException.class)
            .hasMessage("the reply is in cbor (content type 4) but this side decodes json (content type 2)"))
        .verify(TIMEOUT);
  }

  @Test
  void oneRouteUsesOneSerializerOnEachSide() {
    Route<String, String> upper = Route.of("upper", String.class, String.class);
    RouteServer server =
        resources.add(
            RouteServer.builder(address())
                .route(upper, upper.nonBlocking(String::toUpperCase))
                .start());
    RouteClient client = resources.add(RouteClient.builder(server.connector()).start());
    assertThat(client.request(upper, "a").block(TIMEOUT)).isEqualTo("A");
    assertThatThrownBy(() -> client.request(upper.withSerializer(new MessagePackSerializer()), "b"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("route 'upper' is used with the json serializer (json serializer (content type 2))"
            + " on this side and cannot also use msgpack serializer (content type 3): one route, one serializer");
    // another instance built alike is the same serializer for this rule; one configured
    // differently (validating) is not
    assertThat(client.request(upper.withSerializer(new JsonSerializer()), "c").block(TIMEOUT))
        .isEqualTo("C");
    assertThatThrownBy(() -> client.request(upper.withSerializer(JsonSerializer.validating()), "d"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot also use json serializer (content type 2, strict, validating)");
  }

  @Test
  void eachRouteMayHaveItsOwnFormat() {
    Route<Imu, Battery> probe =
        Route.of("probe", Imu.class, Battery.class).withSerializer(telemetry());
    Route<String, Integer> length =
        Route.of("length", String.class, Integer.class).withSerializer(CborSerializer.validating());
    RouteServer server =
        resources.add(
            RouteServer.builder(address())
                .route(probe, probe.nonBlocking(i -> new Battery((short) i.micros(), (byte) 50, i.ax() > 0)))
                .route(length, length.nonBlocking(String::length))
                .start());
    RouteClient client = resources.add(RouteClient.builder(server.connector()).start());
    assertThat(client.request(probe, new Imu(3700, 1f, 0, 0)).block(TIMEOUT))
        .isEqualTo(new Battery((short) 3700, (byte) 50, true));
    assertThat(client.request(length, "four").block(TIMEOUT)).isEqualTo(4);
  }

  @Test
  void fixedLayoutTelemetryArrivesInOrder() throws InterruptedException {
    int n = 10_000;
    List<Telemetry> got = new CopyOnWriteArrayList<>();
    CountDownLatch all = new CountDownLatch(n);
    SimpleServer server =
        resources.add(
            SimpleServer.builder(address())
                .serializer(telemetry())
                .handler(Handler.consumer(Telemetry.class, t -> {
                  got.add(t);
                  all.countDown();
                }))
                .start());
    SimpleClient client = client(server, telemetry());
    Flux.range(0, n).concatMap(i -> client.fireAndForget(sample(i))).blockLast(TIMEOUT);
    assertThat(all.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    for (int i = 0; i < n; i++) {
      assertThat(got.get(i)).isEqualTo(sample(i));
    }
  }

  /** Mostly Imu readings, every tenth a battery report. */
  static Telemetry sample(int i) {
    return i % 10 == 0
        ? new Battery((short) i, (byte) (i % 100), i % 20 == 0)
        : new Imu(i, i, -i, 0.5f);
  }
}
