package io.communica.test.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.communica.core.CallOptions;
import io.communica.core.Connector;
import io.communica.core.HandlerFailedException;
import io.communica.core.OneWay;
import io.communica.core.RequestException;
import io.communica.core.RouteClient;
import io.communica.core.RouteName;
import io.communica.core.RouteServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Interfaces called remotely ({@code expose} and {@code proxy}) over the transport under test, in
 * both directions. The arguments travel in communica's argument list (the contract's serializer has
 * no array form), which every serializer can carry. Part of {@link ConnectorContract}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public interface RemoteInterfaceContract {

  /** Builders with the contract's serializer and leak tracking (see {@link ConnectorContract}). */
  RouteServer.Builder routeServer(Connector address);

  RouteClient.Builder routeClient(Connector address);

  /** A fresh address of the transport under test. */
  Connector newAddress();

  /** Everything a test started, closed after it whatever happened. */
  ConnectorContract.Resources resources();

  /** A declared exception of {@link Calculator#divide}. */
  final class DivisionByZeroException extends Exception {
    public DivisionByZeroException(String message) {
      super(message);
    }
  }

  /** socpipe's {@code add}, and one method of each other kind. */
  interface Calculator {
    int add(int a, int b);

    Mono<String> greet(String name);

    CompletableFuture<Integer> negate(int a);

    int divide(int a, int b) throws DivisionByZeroException;

    String fail(String why);

    @OneWay
    void note(String line);

    void nothing();
  }

  /** The implementation; {@code notes} receives what {@code note} was sent. */
  final class Arithmetic implements Calculator {
    final BlockingQueue<String> notes = new LinkedBlockingQueue<>();

    @Override
    public int add(int a, int b) {
      return a + b;
    }

    @Override
    public Mono<String> greet(String name) {
      return Mono.just("hello " + name);
    }

    @Override
    public CompletableFuture<Integer> negate(int a) {
      return CompletableFuture.completedFuture(-a);
    }

    @Override
    public int divide(int a, int b) throws DivisionByZeroException {
      if (b == 0) {
        throw new DivisionByZeroException(a + " / 0");
      }
      return a / b;
    }

    @Override
    public String fail(String why) {
      throw new IllegalStateException(why);
    }

    @Override
    public void note(String line) {
      notes.add(line);
    }

    @Override
    public void nothing() {}
  }

  private static void callEveryKind(Calculator calc, Arithmetic impl) throws Exception {
    Duration wait = Duration.ofSeconds(15);
    assertThat(calc.add(1, 2)).isEqualTo(3);
    StepVerifier.create(calc.greet("proxy")).expectNext("hello proxy").expectComplete().verify(wait);
    assertThat(calc.negate(7).get(15, TimeUnit.SECONDS)).isEqualTo(-7);
    assertThat(calc.divide(9, 3)).isEqualTo(3);
    assertThatThrownBy(() -> calc.divide(1, 0))
        .isExactlyInstanceOf(DivisionByZeroException.class)
        .hasMessage("1 / 0");
    assertThatThrownBy(() -> calc.fail("on purpose"))
        .isExactlyInstanceOf(HandlerFailedException.class)
        .hasMessage("java.lang.IllegalStateException: on purpose");
    calc.nothing();
    calc.note("one way");
    assertThat(impl.notes.poll(15, TimeUnit.SECONDS)).isEqualTo("one way");
  }

  @Test
  default void aClientsProxyCallsTheServersImplementation() throws Exception {
    Arithmetic impl = new Arithmetic();
    RouteServer server = resources().add(routeServer(newAddress()).start());
    server.expose(Calculator.class, impl); // while running
    RouteClient client = resources().add(routeClient(server.connector()).start());
    callEveryKind(client.proxy(Calculator.class), impl);
  }

  @Test
  default void aServersProxyCallsItsClientsImplementation() throws Exception {
    Arithmetic impl = new Arithmetic();
    RouteServer server = resources().add(routeServer(newAddress()).start());
    RouteClient client =
        resources()
            .add(
                routeClient(server.connector())
                    .clientId("calculator-1")
                    .expose(Calculator.class, impl)
                    .start());
    client.connected().block(Duration.ofSeconds(15));
    callEveryKind(server.proxy(Calculator.class, "calculator-1"), impl);
  }

  // ---------------------------------------------------------------- methods returning Flux

  /** A declared exception of {@link Feed#failAfter}. */
  final class FeedException extends Exception {
    public FeedException(String message) {
      super(message);
    }
  }

  /** Methods returning {@code Flux}: each a stream route. */
  interface Feed {
    /** 1 to {@code n}; none for 0; a negative {@code n} throws before any stream exists. */
    Flux<Integer> count(int n);

    /**
     * 1 to {@code n}, then an error: {@code FeedException} for "declared", {@code
     * RequestException} of code 42 for "refused", {@code IllegalStateException} otherwise.
     */
    Flux<Integer> failAfter(int n, String how) throws FeedException;

    /** 0, 1, 2, ... as long as asked for, until cancelled. */
    Flux<Integer> endless();
  }

  /** The implementation, with what the contract observes from the responder's side. */
  final class Numbers implements Feed {
    /** Counted down when the {@code Flux} of {@link #endless} is cancelled. */
    final CountDownLatch cancelled = new CountDownLatch(1);
    /** The most items {@link #count}'s {@code Flux} was asked for and had not yet emitted. */
    final AtomicLong maxOutstanding = new AtomicLong();

    private final AtomicLong requested = new AtomicLong();
    private final AtomicLong emitted = new AtomicLong();

    @Override
    public Flux<Integer> count(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("count " + n + " is negative");
      }
      return Flux.range(1, n)
          .doOnNext(i -> emitted.incrementAndGet())
          .doOnRequest(
              r -> {
                long total =
                    requested.accumulateAndGet(r, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
                maxOutstanding.accumulateAndGet(total - emitted.get(), Math::max);
              });
    }

    @Override
    public Flux<Integer> failAfter(int n, String how) throws FeedException {
      Throwable error =
          switch (how) {
            case "declared" -> new FeedException("declared after " + n);
            case "refused" -> new RequestException("refused after " + n, 42);
            default -> new IllegalStateException("broke after " + n);
          };
      return Flux.range(1, n).concatWith(Flux.error(error));
    }

    @Override
    public Flux<Integer> endless() {
      return Flux.<Integer, Integer>generate(
              () -> 0,
              (i, sink) -> {
                sink.next(i);
                return i + 1;
              })
          .doOnCancel(cancelled::countDown);
    }
  }

  /** A client whose server exposes {@code impl} as a {@link Feed}. */
  private RouteClient feedClient(Numbers impl) {
    RouteServer server = resources().add(routeServer(newAddress()).start());
    server.expose(Feed.class, impl);
    return resources().add(routeClient(server.connector()).start());
  }

  @Test
  default void aFluxMethodStreamsItsItemsInOrderAndAnEmptyOneCompletes() {
    Numbers impl = new Numbers();
    Feed feed = feedClient(impl).proxy(Feed.class);
    Duration wait = Duration.ofSeconds(15);
    StepVerifier.create(feed.count(5)).expectNext(1, 2, 3, 4, 5).expectComplete().verify(wait);
    StepVerifier.create(feed.count(0)).expectComplete().verify(wait);
    Flux<Integer> cold = feed.count(3); // a new stream per subscription
    StepVerifier.create(cold).expectNext(1, 2, 3).expectComplete().verify(wait);
    StepVerifier.create(cold).expectNext(1, 2, 3).expectComplete().verify(wait);
    StepVerifier.create(feed.count(-1))
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isExactlyInstanceOf(HandlerFailedException.class)
                    .hasMessage("java.lang.IllegalArgumentException: count -1 is negative"))
        .verify(wait);
  }

  @Test
  default void anErrorMidStreamArrivesAfterTheEarlierItemsAsForAMonoMethod() throws Exception {
    Feed feed = feedClient(new Numbers()).proxy(Feed.class);
    Duration wait = Duration.ofSeconds(15);
    StepVerifier.create(feed.failAfter(3, "declared"))
        .expectNext(1, 2, 3)
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isExactlyInstanceOf(FeedException.class)
                    .hasMessage("declared after 3")
                    .hasCauseInstanceOf(HandlerFailedException.class))
        .verify(wait);
    StepVerifier.create(feed.failAfter(2, "refused"))
        .expectNext(1, 2)
        .expectErrorSatisfies(
            e -> {
              assertThat(e)
                  .isExactlyInstanceOf(RequestException.class)
                  .hasMessage("refused after 2");
              assertThat(((RequestException) e).code()).isEqualTo(42);
            })
        .verify(wait);
    StepVerifier.create(feed.failAfter(1, "undeclared"))
        .expectNext(1)
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isExactlyInstanceOf(HandlerFailedException.class)
                    .hasMessage("java.lang.IllegalStateException: broke after 1"))
        .verify(wait);
  }

  /** A proxy whose {@code Flux} method names a route that a request handler answers. */
  interface AddAsStream {
    @RouteName("Calculator.add")
    Flux<Integer> add(int a, int b);
  }

  @Test
  default void aFluxMethodOnARequestRouteFailsAsAWrongInteraction() {
    RouteServer server = resources().add(routeServer(newAddress()).start());
    server.expose(Calculator.class, new Arithmetic());
    RouteClient client = resources().add(routeClient(server.connector()).start());
    StepVerifier.create(client.proxy(AddAsStream.class).add(1, 2))
        .expectErrorSatisfies(
            e -> {
              assertThat(e).isExactlyInstanceOf(RequestException.class);
              assertThat(((RequestException) e).code())
                  .isEqualTo(RequestException.WRONG_INTERACTION);
            })
        .verify(Duration.ofSeconds(15));
  }

  @Test
  default void cancellingTheFluxCancelsTheImplementationsFlux() throws Exception {
    Numbers impl = new Numbers();
    Feed feed = feedClient(impl).proxy(Feed.class);
    StepVerifier.create(feed.endless())
        .expectNext(0, 1, 2)
        .thenCancel()
        .verify(Duration.ofSeconds(15));
    assertThat(impl.cancelled.await(15, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  default void tenThousandItemsReachASubscriberWithSmallDemandWithinTheWindow() {
    Numbers impl = new Numbers();
    int window = 16;
    Feed feed = feedClient(impl).proxy(Feed.class, CallOptions.DEFAULT.withStreamWindow(window));
    List<Integer> received =
        feed.count(10_000).limitRate(3).collectList().block(Duration.ofSeconds(30));
    assertThat(received).isEqualTo(IntStream.rangeClosed(1, 10_000).boxed().toList());
    // backpressure crossed the wire: the implementation was never asked beyond the window
    assertThat(impl.maxOutstanding.get()).isPositive().isLessThanOrEqualTo(window);
  }

  @Test
  default void aServersProxyStreamsFromItsClientsImplementation() {
    Numbers impl = new Numbers();
    RouteServer server = resources().add(routeServer(newAddress()).start());
    RouteClient client =
        resources()
            .add(
                routeClient(server.connector())
                    .clientId("feed-1")
                    .expose(Feed.class, impl)
                    .start());
    client.connected().block(Duration.ofSeconds(15));
    Feed feed = server.proxy(Feed.class, "feed-1");
    StepVerifier.create(feed.count(4))
        .expectNext(1, 2, 3, 4)
        .expectComplete()
        .verify(Duration.ofSeconds(15));
  }
}
