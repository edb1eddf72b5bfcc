package io.communica.serializers.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.communica.core.RequestException;
import io.communica.core.Route;
import io.communica.core.ResponderException;
import io.communica.core.RouteClient;
import io.communica.core.RouteServer;
import io.communica.core.SerializationException;
import io.communica.core.Serializer;
import io.communica.test.contract.ConnectorContract.Resources;
import io.communica.serializers.CborSerializer;
import io.communica.serializers.JacksonSerializer;
import io.communica.serializers.JsonSerializer;
import io.communica.serializers.MessagePackSerializer;
import io.communica.serializers.Violation;
import io.communica.test.loopback.LoopbackConnector;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.PositiveOrZero;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.test.StepVerifier;

/**
 * Validation between real peers over TCP, in every Jackson format: the side that is at fault
 * learns what is wrong, with paths, and a handler never sees invalid data.
 */
class ValidationOverLoopbackTest {

  private static final AtomicInteger NEXT = new AtomicInteger();

  /** A fresh in-JVM address: the bytes cross as they would between processes. */
  static LoopbackConnector address() {
    return LoopbackConnector.named("validation-" + NEXT.incrementAndGet());
  }

  static final Duration TIMEOUT = Duration.ofSeconds(15);

  record Term(@NotBlank String label, @PositiveOrZero int value) {}

  record AddRequest(@Max(1000) int a, @Max(1000) int b, List<@Valid Term> terms) {}

  record AddReply(@PositiveOrZero int sum) {}

  static final Route<AddRequest, AddReply> ADD = Route.of("add", AddRequest.class, AddReply.class);

  /** Answers with a negative sum, which AddReply's constraint forbids. */
  static final Route<AddRequest, AddReply> NEGATE =
      Route.of("negate", AddRequest.class, AddReply.class);

  /** A format: its tolerant and its validating serializer. */
  record Format(String name, Supplier<JacksonSerializer> lenient, Supplier<JacksonSerializer> validating) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> formats() {
    return Stream.of(
        Arguments.of(new Format("json", JsonSerializer::new, JsonSerializer::validating)),
        Arguments.of(new Format("msgpack", MessagePackSerializer::new, MessagePackSerializer::validating)),
        Arguments.of(new Format("cbor", CborSerializer::new, CborSerializer::validating)));
  }

  private final Resources resources = new Resources();
  private final AtomicInteger handled = new AtomicInteger();

  @AfterEach
  void close() throws Exception {
    resources.closeAll();
  }

  RouteServer server(Serializer serializer) {
    return resources.add(
        RouteServer.builder(address())
            .serializer(serializer)
            .route(ADD, ADD.blocking(r -> {
              handled.incrementAndGet();
              return new AddReply(r.a() + r.b() + r.terms().stream().mapToInt(Term::value).sum());
            }))
            .route(NEGATE, NEGATE.nonBlocking(r -> new AddReply(-r.a())))
            .start());
  }

  RouteClient client(RouteServer server, Serializer serializer) {
    return resources.add(RouteClient.builder(server.connector()).serializer(serializer).start());
  }

  static Map<String, Object> request() {
    Map<String, Object> m = new HashMap<>();
    m.put("a", 1);
    m.put("b", 2);
    m.put("terms", List.of(Map.of("label", "x", "value", 3)));
    return m;
  }

  static Map<String, Object> with(String key, Object value) {
    Map<String, Object> m = request();
    m.put(key, value);
    return m;
  }

  @ParameterizedTest
  @MethodSource("formats")
  void aValidatingServerRefusesBadRequestsWithoutCallingTheHandler(Format format) {
    RouteServer server = server(format.validating().get());
    // a client that checks nothing, as a peer in another language might be
    RouteClient client = client(server, format.lenient().get());
    Map<String, Object> noB = request();
    noB.remove("b");
    Map<Object, Violation> cases = new java.util.LinkedHashMap<>();
    cases.put(
        new AddRequest(1001, 2, List.of(new Term("", -1))),
        null); // three violations, checked below
    cases.put(with("c", 1), new Violation("c", "unknown property (known: a, b, terms)"));
    cases.put(with("a", null), new Violation("a", "Cannot map `null` into type `int`"));
    cases.put(with("a", "1"), new Violation("a", "Cannot coerce String value (\"1\") to `int` value"));
    cases.put(noB, new Violation("b", "Missing required creator property 'b' (index 1)"));
    for (Map.Entry<Object, Violation> c : cases.entrySet()) {
      Throwable e = catchThrowable(() -> client.request("add", c.getKey(), AddReply.class).block(TIMEOUT));
      assertThat(e)
          .isInstanceOf(RequestException.class)
          .hasMessageStartingWith(
              "cannot decode the request for route 'add' as " + AddRequest.class.getTypeName() + ": ");
      assertThat(((RequestException) e).code()).isEqualTo(RequestException.INVALID_DATA);
      if (c.getValue() != null) {
        assertThat(Violation.listIn(e)).containsExactly(c.getValue());
      } else {
        assertThat(e.getMessage()).contains("invalid " + AddRequest.class.getName() + " (3 violations):\n");
        assertThat(Violation.listIn(e))
            .containsExactly(
                new Violation("a", "must be less than or equal to 1000"),
                new Violation("terms[0].label", "must not be blank"),
                new Violation("terms[0].value", "must be greater than or equal to 0"));
      }
    }
    assertThat(handled).hasValue(0);
    StepVerifier.create(client.request(ADD, new AddRequest(1, 2, List.of(new Term("x", 3)))))
        .expectNext(new AddReply(6))
        .verifyComplete();
    assertThat(handled).hasValue(1);
  }

  @ParameterizedTest
  @MethodSource("formats")
  void aValidatingClientFailsLocallyAndSendsNothing(Format format) {
    RouteServer server = server(format.lenient().get());
    RouteClient client = client(server, format.validating().get());
    StepVerifier.create(client.request(ADD, new AddRequest(5000, 1, List.of())))
        .expectErrorSatisfies(
            e -> {
              assertThat(e)
                  .isInstanceOf(SerializationException.class)
                  .hasMessage("invalid " + AddRequest.class.getName()
                      + " (1 violation):\n  a: must be less than or equal to 1000");
            })
        .verify(TIMEOUT);
    StepVerifier.create(client.fireAndForget(ADD, new AddRequest(1, 1, List.of(new Term(" ", 0)))))
        .expectErrorMessage("invalid " + AddRequest.class.getName() + " (1 violation):\n  terms[0].label: must not be blank")
        .verify(TIMEOUT);
    // the connection is fine, and the first request the server sees is the valid one
    StepVerifier.create(client.request(ADD, new AddRequest(1, 1, List.of())))
        .expectNext(new AddReply(2))
        .verifyComplete();
    assertThat(handled).hasValue(1);
  }

  @ParameterizedTest
  @MethodSource("formats")
  void invalidRepliesFailTheRequestOnEitherSide(Format format) {
    // the client refuses an invalid reply from a server that does not check (its own
    // serialization error, naming the route); a validating server refuses to send it: the
    // responder's fault
    RouteClient checkingClient = client(server(format.lenient().get()), format.validating().get());
    StepVerifier.create(checkingClient.request(NEGATE, new AddRequest(4, 0, List.of())))
        .expectErrorSatisfies(e -> {
          assertThat(e)
              .isInstanceOf(SerializationException.class)
              .hasMessageStartingWith("cannot decode the reply to route '" + NEGATE.name() + "'")
              .hasMessageContaining("invalid " + AddReply.class.getName());
          assertThat(Violation.listIn(e))
              .containsExactly(new Violation("sum", "must be greater than or equal to 0"));
        })
        .verify(TIMEOUT);
    RouteClient lenientClient = client(server(format.validating().get()), format.lenient().get());
    StepVerifier.create(lenientClient.request(NEGATE, new AddRequest(4, 0, List.of())))
        .expectErrorSatisfies(e -> {
          assertThat(e)
              .isInstanceOf(ResponderException.class)
              .hasMessageStartingWith(
                  "the responder cannot encode its reply: invalid " + AddReply.class.getName());
          assertThat(((ResponderException) e).code()).isEqualTo(ResponderException.UNENCODABLE_REPLY);
          assertThat(Violation.listIn(e))
              .containsExactly(new Violation("sum", "must be greater than or equal to 0"));
        })
        .verify(TIMEOUT);
    assertThat(handled).hasValue(0);
  }

  @ParameterizedTest
  @MethodSource("formats")
  void recordsCrossTheWireIntact(Format format) {
    RouteServer server = server(format.validating().get());
    RouteClient client = client(server, format.validating().get());
    for (int i = 0; i < 50; i++) {
      AddRequest r = new AddRequest(i, 1000 - i, List.of(new Term("t" + i, i)));
      assertThat(client.request(ADD, r).block(TIMEOUT)).isEqualTo(new AddReply(1000 + i));
    }
  }
}
