package io.communica.serializers.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.communica.core.HandlerFailedException;
import io.communica.core.RequestException;
import io.communica.core.ResponderException;
import io.communica.core.RouteClient;
import io.communica.core.RouteName;
import io.communica.core.RouteServer;
import io.communica.core.SerializationException;
import io.communica.core.Serializer;
import io.communica.serializers.CborSerializer;
import io.communica.serializers.JsonSerializer;
import io.communica.serializers.MessagePackSerializer;
import io.communica.serializers.remote.Geometry.Label;
import io.communica.serializers.remote.Geometry.OutOfBoundsException;
import io.communica.serializers.remote.Geometry.Point;
import io.communica.test.contract.ConnectorContract.Resources;
import io.communica.test.loopback.LoopbackConnector;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * Interfaces called remotely ({@code expose} / {@code proxy}) between real entities over the
 * in-JVM connector, which takes every call through the serializer and the frame codec.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RemoteInterfaceTest {

  private static final AtomicInteger NEXT = new AtomicInteger();
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final List<Point> POINTS = List.of(new Point(1, 2), new Point(-3, 4));

  private final Resources resources = new Resources();
  private final Shapes shapes = new Shapes();

  @AfterEach
  void close() throws Exception {
    resources.closeAll();
  }

  RouteServer server(Serializer serializer) {
    return resources.add(
        RouteServer.builder(LoopbackConnector.named("remote-" + NEXT.incrementAndGet()))
            .serializer(serializer)
            .start());
  }

  RouteClient client(RouteServer server, Serializer serializer) {
    return resources.add(RouteClient.builder(server.connector()).serializer(serializer).start());
  }

  Geometry proxy() {
    RouteServer server = server(new JsonSerializer());
    server.expose(Geometry.class, shapes);
    return client(server, new JsonSerializer()).proxy(Geometry.class);
  }

  @Test
  void everyReturnKindMakesItsInteraction() throws Exception {
    Geometry geometry = proxy();
    assertThat(geometry.add(1, 2)).isEqualTo(3);
    StepVerifier.create(geometry.addLater(2, 3)).expectNext(5).expectComplete().verify(WAIT);
    assertThat(geometry.addAsync(3, 4).get(10, TimeUnit.SECONDS)).isEqualTo(7);
    assertThat(geometry.describe()).isEqualTo("shapes");
    geometry.reset();
    assertThat(shapes.resets).hasValue(1); // void waited for the implementation to return
    geometry.log("fire and forget");
    assertThat(shapes.logged.poll(10, TimeUnit.SECONDS)).isEqualTo("fire and forget");
    assertThat(geometry.scale(new Point(1, 2), 3)).isEqualTo(new Point(3, 6));
    assertThat(geometry.twice(21)).isEqualTo(42); // default method: local, calling add remotely
  }

  @Test
  void aMonoIsColdAndTheFutureIsUnderWay() throws Exception {
    Geometry geometry = proxy();
    var mono = geometry.addLater(1, 1);
    geometry.reset(); // a request after the unsubscribed Mono: nothing of the Mono has gone out
    assertThat(shapes.resets).hasValue(1);
    StepVerifier.create(mono).expectNext(2).expectComplete().verify(WAIT);
    StepVerifier.create(mono).expectNext(2).expectComplete().verify(WAIT); // sent again
  }

  @Test
  void exposeReturnsTheRoutesAndDefaultsToSimpleNameDotMethod() {
    RouteServer server = server(new JsonSerializer());
    List<String> routes = server.expose(Geometry.class, shapes);
    assertThat(routes)
        .contains("Geometry.add", "Geometry.addLater", "Geometry.log", "geometry.scale")
        .doesNotContain("Geometry.twice", "Geometry.scale", "Geometry.toString")
        .isSorted();
    RouteClient client = client(server, new JsonSerializer());
    assertThat(client.request("Geometry.add", List.of(40, 2), Integer.class).block(WAIT))
        .as("the arguments are a JSON array any peer can send")
        .isEqualTo(42);
    assertThat(
            client
                .requestStream("Geometry.walk", List.of(POINTS, new Point(0, 1)), Point.class)
                .collectList()
                .block(WAIT))
        .as("a Flux method is a stream route taking the same array")
        .containsExactly(new Point(1, 3), new Point(-3, 5));
    assertThatThrownBy(() -> server.expose(Geometry.class, shapes))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("already has a handler");
    assertThat(server.removeRoute("Geometry.add")).isTrue();
    assertThat(server.expose(Calculator.class, (a, b) -> a + b)).containsExactly("Calculator.add");
  }

  /** socpipe's example. */
  public interface Calculator {
    int add(int a, int b);
  }

  @ParameterizedTest
  @MethodSource("formats")
  void genericParametersAndRepliesRoundTrip(String format, Supplier<Serializer> serializer) {
    RouteServer server = server(serializer.get());
    server.expose(Geometry.class, shapes);
    Geometry geometry = client(server, serializer.get()).proxy(Geometry.class);
    assertThat(geometry.shift(POINTS, new Point(1, 1)))
        .containsExactly(new Point(2, 3), new Point(-2, 5));
    Map<String, List<Point>> quadrants = geometry.byQuadrant(POINTS);
    assertThat(quadrants).containsOnlyKeys("++", "-+");
    assertThat(quadrants.get("-+")).containsExactly(new Point(-3, 4)); // Points, not maps
    StepVerifier.create(geometry.walk(POINTS, new Point(1, 1)))
        .expectNext(new Point(2, 3), new Point(-2, 5)) // Points, not maps, item by item
        .expectComplete()
        .verify(WAIT);
    assertThat(geometry.add(-1, 1)).isZero();
  }

  static Stream<Arguments> formats() {
    return Stream.of(
        Arguments.of("json", (Supplier<Serializer>) JsonSerializer::new),
        Arguments.of("msgpack", (Supplier<Serializer>) MessagePackSerializer::new),
        Arguments.of("cbor", (Supplier<Serializer>) CborSerializer::new));
  }

  @Test
  void aDeclaredExceptionArrivesAsItsType() throws Exception {
    Geometry geometry = proxy();
    assertThatThrownBy(() -> geometry.at(POINTS, 5))
        .isExactlyInstanceOf(OutOfBoundsException.class)
        .hasMessage("no point 5 among 2")
        .hasCauseInstanceOf(HandlerFailedException.class);
    StepVerifier.create(geometry.atLater(POINTS, -1))
        .expectErrorSatisfies(
            e -> assertThat(e).isExactlyInstanceOf(OutOfBoundsException.class).hasMessage("no point -1 among 2"))
        .verify(WAIT);
  }

  @Test
  void undeclaredExceptionsAreHandlerFailuresAndCommunicasOwnAreThemselves() {
    Geometry geometry = proxy();
    Throwable state = catchThrowable(() -> geometry.fail("state"));
    assertThat(state).isExactlyInstanceOf(HandlerFailedException.class);
    assertThat(((HandlerFailedException) state).remoteType()).isEqualTo("java.lang.IllegalStateException");
    assertThat(((HandlerFailedException) state).remoteMessage()).isEqualTo("no state");
    Throwable request = catchThrowable(() -> geometry.fail("request"));
    assertThat(request).isExactlyInstanceOf(RequestException.class).hasMessage("bad how");
    assertThat(((RequestException) request).code()).isEqualTo(42);
    // a declared type of another method is not built for fail(), which declares none
    Throwable elsewhere = catchThrowable(() -> geometry.fail("declared-elsewhere"));
    assertThat(elsewhere).isExactlyInstanceOf(HandlerFailedException.class);
    assertThat(((HandlerFailedException) elsewhere).remoteType())
        .isEqualTo(OutOfBoundsException.class.getName());
    Throwable unknown = catchThrowable(() -> geometry.fail("unknown-class"));
    assertThat(unknown).isExactlyInstanceOf(HandlerFailedException.class).hasMessage("com.example.Boom: boom");
  }

  @Test
  void objectMethodsAreLocal() {
    RouteServer server = server(new JsonSerializer());
    RouteClient client = client(server, new JsonSerializer()); // nothing exposed: a call would fail
    Geometry one = client.proxy(Geometry.class);
    Geometry two = client.proxy(Geometry.class);
    assertThat(one.toString()).startsWith("Geometry proxy of RouteClient[loopback://remote-");
    assertThat(one).isEqualTo(one).isNotEqualTo(two).hasSameHashCodeAs(one);
    assertThat(one.hashCode()).isEqualTo(System.identityHashCode(one));
    assertThatThrownBy(() -> one.add(1, 2))
        .isInstanceOf(ResponderException.class)
        .hasMessageContaining("did not define a handler");
  }

  @Test
  void blockingMethodsRunOffTheIoThreadAndAsynchronousOnesOnIt() {
    Geometry geometry = proxy();
    assertThat(geometry.thread()).startsWith("boundedElastic");
    assertThat(geometry.threadLater().block(WAIT)).doesNotStartWith("boundedElastic");
  }

  public interface Overloaded {
    int add(int a, int b);

    double add(double a, double b);

    String other(String s);
  }

  public interface Named {
    int add(int a, int b);

    @RouteName("add.double")
    double add(double a, double b);
  }

  public interface Channelled {
    Flux<Integer> sum(Flux<Integer> numbers);
  }

  public interface Clash {
    @RouteName("same")
    int one(int a);

    @RouteName("same")
    int two(int a);
  }

  @Test
  void overloadsWithoutRouteNamesStreamParametersAndClashesAreRefusedNamingTheMethods() {
    RouteServer server = server(new JsonSerializer());
    RouteClient client = client(server, new JsonSerializer());
    Overloaded impl =
        new Overloaded() {
          public int add(int a, int b) {
            return a + b;
          }

          public double add(double a, double b) {
            return a + b;
          }

          public String other(String s) {
            return s;
          }
        };
    for (Runnable r :
        List.<Runnable>of(
            () -> client.proxy(Overloaded.class), () -> server.expose(Overloaded.class, impl))) {
      assertThatThrownBy(r::run)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("overloaded methods without route names")
          .hasMessageContaining("add(int, int)")
          .hasMessageContaining("add(double, double)")
          .hasMessageNotContaining("other");
    }
    assertThat(server.clientIds()).isNotNull();
    assertThat(server.expose(Named.class, new Named() {
      public int add(int a, int b) {
        return a + b;
      }

      public double add(double a, double b) {
        return a + b + 0.5;
      }
    })).containsExactly("Named.add", "add.double");
    Named named = client.proxy(Named.class);
    assertThat(named.add(1, 2)).isEqualTo(3);
    assertThat(named.add(1.0, 2.0)).isEqualTo(3.5);
    assertThatThrownBy(() -> client.proxy(Channelled.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Channelled.sum(Flux) takes a Flux: not supported")
        .hasMessageContaining("requestChannel");
    assertThatThrownBy(() -> server.expose(Channelled.class, numbers -> numbers))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Channelled.sum(Flux) takes a Flux: not supported");
    assertThatThrownBy(() -> client.proxy(Clash.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("both have the route 'same'");
    assertThatThrownBy(() -> client.proxy(Shapes.class.asSubclass(Object.class)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not an interface");
  }

  @Test
  void aValidatingCallerRefusesBadArgumentsNamingTheParameter() {
    RouteServer server = server(JsonSerializer.validating());
    server.expose(Geometry.class, shapes);
    Geometry geometry = client(server, JsonSerializer.validating()).proxy(Geometry.class);
    assertThat(geometry.area(2, 3)).isEqualTo(6.0);
    assertThatThrownBy(() -> geometry.area(-2, 3))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("invalid arguments of Geometry.area (1 violation):")
        .hasMessageContaining("width: must be greater than 0");
    assertThatThrownBy(() -> geometry.place(new Label("", new Point(1, 1))))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("label.text: must not be blank");
  }

  @Test
  void aValidatingImplementationRefusesBadArgumentsNamingTheParameter() {
    RouteServer server = server(JsonSerializer.validating());
    server.expose(Geometry.class, shapes);
    // a caller that checks nothing, as a peer in another language might be
    Geometry geometry = client(server, new JsonSerializer()).proxy(Geometry.class);
    Throwable e = catchThrowable(() -> geometry.area(2, -3));
    assertThat(e)
        .isInstanceOf(RequestException.class)
        .hasMessageContaining("cannot decode the request for route 'Geometry.area'")
        .hasMessageContaining("height: must be greater than 0");
    assertThat(((RequestException) e).code()).isEqualTo(RequestException.INVALID_DATA);
    RouteClient raw = client(server, new JsonSerializer());
    Throwable wrongType =
        catchThrowable(
            () -> raw.request("Geometry.shift", List.of(List.of(Map.of("x", "a")), Map.of()), String.class)
                .block(WAIT));
    assertThat(wrongType)
        .isInstanceOf(RequestException.class)
        .hasMessageContaining("points[0].x");
    Throwable tooFew =
        catchThrowable(() -> raw.request("Geometry.add", List.of(1), Integer.class).block(WAIT));
    assertThat(tooFew).isInstanceOf(RequestException.class).hasMessageContaining("1 of 2 arguments");
  }

  @Test
  void theServerCallsItsClientsImplementation() {
    RouteServer server = server(new JsonSerializer());
    RouteClient client =
        resources.add(
            RouteClient.builder(server.connector())
                .serializer(new JsonSerializer())
                .clientId("worker-1")
                .expose(Geometry.class, shapes)
                .start());
    client.connected().block(WAIT);
    Geometry remote = server.proxy(Geometry.class, "worker-1");
    assertThat(remote.add(20, 22)).isEqualTo(42);
    assertThat(remote.shift(POINTS, new Point(0, -2))).containsExactly(new Point(1, 0), new Point(-3, 2));
    assertThat(remote.toString()).startsWith("Geometry proxy of client 'worker-1' of RouteServer[");
    assertThatThrownBy(() -> remote.at(List.of(), 0)).isInstanceOf(OutOfBoundsException.class);
  }
}
