package io.communica.test.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.CallOptions;
import io.communica.core.ChannelRoute;
import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.RequestException;
import io.communica.core.RequestTimeoutException;
import io.communica.core.ResponderException;
import io.communica.core.RouteClient;
import io.communica.core.RouteServer;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.core.StreamRoute;
import io.communica.core.intercept.CallInfo;
import io.communica.core.intercept.ClientInterceptor;
import io.communica.core.intercept.ServerInterceptor;
import io.communica.test.TrackedConnector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * Streams and channels, as every transport must carry them: items in order within the credits the
 * subscriber grants, cancellation reaching the producer, errors after the items sent before them,
 * timeouts, bounded buffers, channels in both directions. Part of {@link ConnectorContract}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public interface StreamContract {

  Duration WAIT = Duration.ofSeconds(30);

  /** The window of a stream unless the call says otherwise. */
  int WINDOW = CallOptions.DEFAULT_STREAM_WINDOW;

  TrackedConnector newAddress();

  SimpleServer.Builder simpleServer(Connector address);

  RouteServer.Builder routeServer(Connector address);

  SimpleClient.Builder simpleClient(Connector address);

  RouteClient.Builder routeClient(Connector address);

  SimpleServer start(SimpleServer.Builder b);

  RouteServer start(RouteServer.Builder b);

  SimpleClient start(SimpleClient.Builder b);

  RouteClient start(RouteClient.Builder b);

  /**
   * How many small items the large-stream tests send, once requested one at a time and once all
   * at once: {@code -Dcommunica.streamItems} when set, else 100,000; fast transports use more.
   */
  default int streamItems() {
    return Integer.getInteger("communica.streamItems", 100_000);
  }

  /** How many items the channel echo test sends through a channel with slow consumers. */
  default int channelItems() {
    return Integer.getInteger("communica.channelItems", 100_000);
  }

  StreamRoute<Integer, Integer> COUNT = StreamRoute.of("count", Integer.class, Integer.class);

  ChannelRoute<Integer, Integer> ECHO = ChannelRoute.of("echo", Integer.class, Integer.class);

  private RouteClient streamingPair(Handler countHandler) {
    RouteServer server =
        start(routeServer(newAddress()).route(COUNT, countHandler).route(ECHO, ECHO.handler(in -> in)));
    return start(routeClient(server.connector()));
  }

  private RouteClient countingPair() {
    return streamingPair(COUNT.handler(n -> Flux.range(1, n)));
  }

  // ---------------------------------------------------------------- items and credits

  @Test
  default void streamDeliversEveryItemInOrder() {
    RouteClient client = countingPair();
    StepVerifier.create(client.requestStream(COUNT, 1000).buffer(1000))
        .assertNext(all -> assertThat(all).isEqualTo(IntStream.rangeClosed(1, 1000).boxed().toList()))
        .verifyComplete();
    StepVerifier.create(client.requestStream(COUNT, 0)).expectComplete().verify(WAIT);
    StepVerifier.create(client.requestStream("count", 3, Integer.class))
        .expectNext(1, 2, 3)
        .expectComplete()
        .verify(WAIT);
  }

  @Test
  default void simpleEntitiesStream() {
    SimpleServer server =
        start(simpleServer(newAddress()).handler(Handler.stream(Integer.class, n -> Flux.range(1, n))));
    SimpleClient client = start(simpleClient(server.connector()));
    StepVerifier.create(client.requestStream(5, Integer.class))
        .expectNext(1, 2, 3, 4, 5)
        .expectComplete()
        .verify(WAIT);
  }

  @Test
  default void manySmallItemsRequestedOneAtATime() {
    RouteClient client = countingPair();
    int n = streamItems();
    OneAtATime counter = new OneAtATime();
    client.requestStream(COUNT, n).subscribe(counter);
    assertThat(counter.await()).isEqualTo(n);
  }

  @Test
  default void manySmallItemsRequestedAllAtOnce() {
    RouteClient client = countingPair();
    int n = streamItems();
    Long last =
        client
            .requestStream(COUNT, n)
            .reduce(0L, (count, item) -> {
              if (item != count + 1) {
                throw new AssertionError("item " + item + " after " + count);
              }
              return count + 1;
            })
            .block(WAIT.multipliedBy(4));
    assertThat(last).isEqualTo(n);
  }

  /** A subscriber that requests one item in each {@code onNext}, checking the order. */
  final class OneAtATime extends BaseSubscriber<Integer> {
    private final CountDownLatch done = new CountDownLatch(1);
    private long count;
    private volatile Throwable error;

    @Override
    protected void hookOnSubscribe(Subscription s) {
      s.request(1);
    }

    @Override
    protected void hookOnNext(Integer item) {
      if (item != ++count) {
        throw new AssertionError("item " + item + " after " + (count - 1));
      }
      request(1);
    }

    @Override
    protected void hookOnError(Throwable t) {
      error = t;
    }

    @Override
    protected void hookFinally(reactor.core.publisher.SignalType type) {
      done.countDown();
    }

    long await() {
      try {
        assertThat(done.await(WAIT.toSeconds() * 4, TimeUnit.SECONDS)).isTrue();
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
      assertThat(error).isNull();
      return count;
    }
  }

  /**
   * Seen from the responder: the handler's publisher is never asked for more than the subscriber's
   * window beyond what the subscriber took, and never emits more than it was asked for.
   */
  @Test
  default void theResponderNeverSendsMoreThanTheCreditsGranted() {
    AtomicLong asked = new AtomicLong();
    AtomicLong emitted = new AtomicLong();
    List<String> violations = new CopyOnWriteArrayList<>();
    RouteClient client =
        streamingPair(
            COUNT.handler(
                n ->
                    Flux.range(1, n)
                        .doOnRequest(r -> asked.addAndGet(r))
                        .doOnNext(
                            i -> {
                              if (emitted.incrementAndGet() > asked.get()) {
                                violations.add("item " + i + " beyond " + asked.get() + " credits");
                              }
                            })));
    AtomicLong taken = new AtomicLong();
    int total = 5_000;
    StepVerifier.create(
            client.requestStream(COUNT, total).doOnNext(i -> taken.incrementAndGet()), 0)
        .thenRequest(1)
        .expectNext(1)
        .thenRequest(7)
        .expectNextCount(7)
        .then(() -> assertThat(asked.get()).isLessThanOrEqualTo(taken.get() + WINDOW))
        .thenRequest(1000)
        .expectNextCount(1000)
        .then(() -> assertThat(asked.get()).isLessThanOrEqualTo(taken.get() + WINDOW))
        .thenRequest(Long.MAX_VALUE)
        .expectNextCount(total - 1008)
        .expectComplete()
        .verify(WAIT);
    assertThat(violations).isEmpty();
    assertThat(emitted.get()).isEqualTo(total);
  }

  /** A producer that never stops and a subscriber that stopped requesting: the producer waits. */
  @Test
  default void aSubscriberThatStopsRequestingStopsTheProducer() throws Exception {
    AtomicLong emitted = new AtomicLong();
    CountDownLatch cancelled = new CountDownLatch(1);
    RouteClient client =
        streamingPair(
            COUNT.handler(
                n ->
                    Flux.<Integer, Integer>generate(() -> 0, (i, sink) -> {
                          sink.next(i + 1);
                          return i + 1;
                        })
                        .doOnNext(i -> emitted.incrementAndGet())
                        .doOnCancel(cancelled::countDown)));
    BaseSubscriber<Integer> stopper =
        new BaseSubscriber<>() {
          @Override
          protected void hookOnSubscribe(Subscription s) {
            s.request(10);
          }
        };
    client.requestStream(COUNT, 0).subscribe(stopper);
    // wait until the producer is idle: it sent what the subscriber asked for, and its count
    // stops moving
    for (int i = 0; i < 600 && emitted.get() < 10; i++) {
      Thread.sleep(50);
    }
    long before = -1;
    for (int i = 0; i < 200 && emitted.get() != before; i++) {
      before = emitted.get();
      Thread.sleep(50);
    }
    long stoppedAt = emitted.get();
    assertThat(stoppedAt).isBetween(10L, 10L + WINDOW);
    stopper.dispose();
    assertThat(cancelled.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(emitted.get()).isEqualTo(stoppedAt);
  }

  @Test
  default void cancellingAfterNItemsStopsTheProducer() throws Exception {
    AtomicLong emitted = new AtomicLong();
    CountDownLatch cancelled = new CountDownLatch(1);
    RouteClient client =
        streamingPair(
            COUNT.handler(
                n ->
                    Flux.interval(Duration.ofMillis(1))
                        .onBackpressureDrop()
                        .map(Long::intValue)
                        .doOnNext(i -> emitted.incrementAndGet())
                        .doOnCancel(cancelled::countDown)));
    StepVerifier.create(client.requestStream(COUNT, 0).take(20))
        .expectNextCount(20)
        .expectComplete()
        .verify(WAIT);
    assertThat(cancelled.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    long atCancel = emitted.get();
    assertThat(atCancel).isLessThanOrEqualTo(20 + WINDOW);
  }

  @Test
  default void anErrorAfterNItemsArrivesAfterThoseItems() {
    RouteClient client =
        streamingPair(
            COUNT.handler(
                n ->
                    Flux.range(1, n)
                        .concatWith(Flux.error(new ResponderException("gave up after " + n, 42)))));
    StepVerifier.create(client.requestStream(COUNT, 500))
        .expectNextCount(500)
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(ResponderException.class)
                    .hasMessage("gave up after 500")
                    .extracting(x -> ((ResponderException) x).code())
                    .isEqualTo(42))
        .verify(WAIT);
    StepVerifier.create(client.requestStream(COUNT, -1))
        .expectError(io.communica.core.HandlerFailedException.class) // Flux.range(1, -1) throws
        .verify(WAIT);
  }

  @Test
  default void eachHandlerKindAnswersItsOwnInteraction() {
    RouteServer server =
        start(
            routeServer(newAddress())
                .route(COUNT, COUNT.handler(n -> Flux.range(1, n)))
                .route("plain", Handler.nonBlocking(Integer.class, n -> n + 1)));
    RouteClient client = start(routeClient(server.connector()));
    StepVerifier.create(client.requestStream("plain", 1, Integer.class))
        .expectErrorSatisfies(
            e ->
                assertThat(((RequestException) e).code())
                    .isEqualTo(RequestException.WRONG_INTERACTION))
        .verify(WAIT);
    StepVerifier.create(client.request("count", 1, Integer.class))
        .expectErrorSatisfies(
            e ->
                assertThat(((RequestException) e).code())
                    .isEqualTo(RequestException.WRONG_INTERACTION))
        .verify(WAIT);
    StepVerifier.create(client.requestStream("nowhere", 1, Integer.class))
        .expectErrorSatisfies(
            e -> assertThat(((RequestException) e).code()).isEqualTo(RequestException.UNKNOWN_ROUTE))
        .verify(WAIT);
    // the connection still serves
    StepVerifier.create(client.requestStream(COUNT, 2)).expectNext(1, 2).verifyComplete();
  }

  @Test
  default void aBlockingStreamHandlerRunsOffTheIoThread() {
    List<String> threads = new CopyOnWriteArrayList<>();
    RouteClient client =
        streamingPair(
            COUNT.blocking(
                n ->
                    Stream.iterate(1, i -> i + 1)
                        .limit(n)
                        .peek(i -> threads.add(Thread.currentThread().getName()))));
    StepVerifier.create(client.requestStream(COUNT, 2000))
        .expectNextCount(2000)
        .expectComplete()
        .verify(WAIT);
    assertThat(threads).hasSize(2000).allMatch(t -> t.contains("boundedElastic"));
  }

  @Test
  default void theFirstItemHasTheTimeoutAndLaterOnesTheIdleTimeout() throws Exception {
    CountDownLatch cancelled = new CountDownLatch(2);
    RouteClient client =
        streamingPair(
            COUNT.handler(
                n ->
                    Flux.range(1, n).concatWith(Flux.never()).doOnCancel(cancelled::countDown)));
    StepVerifier.create(client.requestStream(COUNT, 0, CallOptions.timeout(Duration.ofMillis(300))))
        .expectError(RequestTimeoutException.class)
        .verify(WAIT);
    // without an idle timeout a silent stream lives on; with one it ends
    StepVerifier.create(
            client.requestStream(
                COUNT, 2, CallOptions.DEFAULT.withIdleTimeout(Duration.ofMillis(300))))
        .expectNext(1, 2)
        .expectErrorSatisfies(
            e -> assertThat(e).isInstanceOf(RequestTimeoutException.class).hasMessageContaining("idle"))
        .verify(WAIT);
    assertThat(cancelled.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
  }

  @Test
  default void itemsLargerThanAFrameArriveWholeAndInOrder() {
    StreamRoute<Integer, String> sizes = StreamRoute.of("sizes", Integer.class, String.class);
    RouteServer server =
        start(
            routeServer(newAddress())
                .maxFrameSize(4096)
                .route(
                    sizes,
                    sizes.handler(
                        n ->
                            Flux.range(0, n)
                                .map(i -> i + ":" + "x".repeat(i % 3 == 0 ? 20_000 : 10)))));
    RouteClient client = start(routeClient(server.connector()).maxFrameSize(4096));
    List<String> got = client.requestStream(sizes, 30).collectList().block(WAIT);
    assertThat(got).hasSize(30);
    for (int i = 0; i < 30; i++) {
      assertThat(got.get(i)).startsWith(i + ":").hasSize((i + ":").length() + (i % 3 == 0 ? 20_000 : 10));
    }
  }

  @Test
  default void theServerStreamsFromAClientById() {
    RouteServer server = start(routeServer(newAddress()));
    start(
        routeClient(server.connector())
            .clientId("streamer")
            .route(COUNT, COUNT.handler(n -> Flux.range(1, n))));
    StepVerifier.create(
            server.requestStreamClient("streamer", COUNT, 4, CallOptions.DEFAULT))
        .expectNext(1, 2, 3, 4)
        .expectComplete()
        .verify(WAIT);
  }

  @Test
  default void interceptorsSeeAStreamFromStartToEndWithItsMetadata() {
    List<String> seen = new CopyOnWriteArrayList<>();
    CountDownLatch ended = new CountDownLatch(2);
    class Recording implements ClientInterceptor, ServerInterceptor {
      private final String side;

      Recording(String side) {
        this.side = side;
      }

      @Override
      public void onStart(CallInfo call) {
        if (side.equals("client")) {
          call.putMetadata("trace", "t-1");
        }
      }

      @Override
      public void onEnd(CallInfo call) {
        seen.add(side + " " + call.kind() + " " + call.route() + " " + call.outcome()
            + " trace=" + call.metadata().get("trace"));
        ended.countDown();
      }
    }
    RouteServer server =
        start(
            routeServer(newAddress())
                .interceptor((ServerInterceptor) new Recording("server"))
                .route(
                    COUNT,
                    COUNT.handler(
                        n ->
                            Flux.deferContextual(
                                ctx ->
                                    Flux.range(1, n)
                                        .map(
                                            i ->
                                                io.communica.core.CallContext.from(ctx)
                                                        .metadata("trace")
                                                        .isPresent()
                                                    ? i
                                                    : -i)))));
    RouteClient client =
        start(
            routeClient(server.connector())
                .interceptor((ClientInterceptor) new Recording("client")));
    StepVerifier.create(client.requestStream(COUNT, 3)).expectNext(1, 2, 3).verifyComplete();
    await(ended);
    assertThat(seen)
        .containsExactlyInAnyOrder(
            "client STREAM count SUCCESS trace=t-1", "server STREAM count SUCCESS trace=t-1");
  }

  // ---------------------------------------------------------------- channels

  @Test
  default void aChannelEchoesWithSlowConsumersOnBothSides() {
    int n = channelItems();
    RouteServer server =
        start(
            routeServer(newAddress())
                .route(
                    ECHO,
                    ECHO.handler(
                        in ->
                            in.limitRate(16)
                                .publishOn(Schedulers.single(), 8)
                                .doOnNext(i -> slowEvery(i, 10_000)))));
    RouteClient client = start(routeClient(server.connector()));
    Long count =
        client
            .requestChannel(ECHO, Flux.range(1, n))
            .limitRate(8)
            .doOnNext(i -> slowEvery(i, 7_000))
            .reduce(0L, (c, i) -> {
              if (i != c + 1) {
                throw new AssertionError("item " + i + " after " + c);
              }
              return c + 1;
            })
            .block(WAIT.multipliedBy(2));
    assertThat(count).isEqualTo(n);
  }

  private static void slowEvery(int i, int every) {
    if (i % every == 0) {
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  @Test
  default void eachDirectionOfAChannelCompletesOnItsOwn() {
    // the requester's input ends first: the responder's items go on
    RouteServer server =
        start(
            routeServer(newAddress())
                .route(ECHO, ECHO.handler(in -> in.count().flatMapMany(c -> Flux.range(1, c.intValue())))));
    RouteClient client = start(routeClient(server.connector()));
    StepVerifier.create(client.requestChannel(ECHO, Flux.range(1, 5)))
        .expectNext(1, 2, 3, 4, 5)
        .expectComplete()
        .verify(WAIT);

    // the responder's items end first: the requester's input goes on until it completes
    Sinks.Many<Integer> input = Sinks.many().unicast().onBackpressureBuffer();
    AtomicLong received = new AtomicLong();
    CountDownLatch inputDone = new CountDownLatch(1);
    RouteServer server2 =
        start(
            routeServer(newAddress())
                .route(
                    ECHO,
                    ECHO.handler(
                        in -> {
                          in.doOnNext(i -> received.incrementAndGet())
                              .doOnComplete(inputDone::countDown)
                              .subscribe();
                          return Flux.just(7);
                        })));
    RouteClient client2 = start(routeClient(server2.connector()));
    StepVerifier.create(client2.requestChannel(ECHO, input.asFlux()))
        .expectNext(7)
        .expectComplete()
        .verify(WAIT);
    input.tryEmitNext(1);
    input.tryEmitNext(2);
    input.tryEmitComplete();
    await(inputDone);
    assertThat(received.get()).isEqualTo(2);
  }

  @Test
  default void anErrorOrACancelEndsBothDirections() {
    CountDownLatch inputCancelled = new CountDownLatch(1);
    RouteServer server =
        start(
            routeServer(newAddress())
                .route(
                    ECHO,
                    ECHO.handler(
                        in ->
                            in.map(
                                i -> {
                                  if (i == 3) {
                                    throw new RequestException("no threes", 3);
                                  }
                                  return i;
                                }))));
    RouteClient client = start(routeClient(server.connector()));
    StepVerifier.create(
            client.requestChannel(
                ECHO, Flux.range(1, 1_000_000).doOnCancel(inputCancelled::countDown)))
        .expectNext(1, 2)
        .expectErrorSatisfies(
            e -> assertThat(e).isInstanceOf(RequestException.class).hasMessage("no threes"))
        .verify(WAIT);
    await(inputCancelled);

    // the requester cancels: the responder's output and input both end
    CountDownLatch outputCancelled = new CountDownLatch(1);
    CountDownLatch input2Cancelled = new CountDownLatch(1);
    RouteServer server2 =
        start(
            routeServer(newAddress())
                .route(
                    ECHO,
                    ECHO.handler(in -> in.doOnCancel(outputCancelled::countDown))));
    RouteClient client2 = start(routeClient(server2.connector()));
    StepVerifier.create(
            client2.requestChannel(
                ECHO,
                Flux.interval(Duration.ofMillis(1))
                    .onBackpressureDrop()
                    .map(Long::intValue)
                    .doOnCancel(input2Cancelled::countDown)))
        .expectNextCount(10)
        .thenCancel()
        .verify(WAIT);
    await(outputCancelled);
    await(input2Cancelled);

    // the requester's input fails: the channel ends with that error
    AtomicReference<Throwable> seen = new AtomicReference<>();
    StepVerifier.create(
            client2.requestChannel(
                ECHO, Flux.range(1, 3).concatWith(Mono.error(new IllegalStateException("input broke")))))
        .recordWith(ArrayList::new)
        .thenConsumeWhile(x -> true)
        .consumeErrorWith(seen::set)
        .verify(WAIT);
    assertThat(seen.get()).hasMessage("input broke");
  }

  private static void await(CountDownLatch latch) {
    try {
      assertThat(latch.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
