package io.communica.test.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.communica.core.ClientEvent;
import io.communica.core.ConnectionLostException;
import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.HandlerFailedException;
import io.communica.core.HandshakeRefusedException;
import io.communica.core.MessageTooLargeException;
import io.communica.core.RequestException;
import io.communica.core.RequestTimeoutException;
import io.communica.core.ResponderException;
import io.communica.core.Route;
import io.communica.core.RouteClient;
import io.communica.core.RouteServer;
import io.communica.core.RouteTable;
import io.communica.core.SerializationException;
import io.communica.core.Serializer;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.test.LeakTracker;
import io.communica.test.TrackedConnector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * What every transport must do, as tests. A transport module implements {@link
 * #serverConnector()} (a fresh address: port 0, a socket file in a temp directory, a unique queue
 * name) and {@link #resources()} (a new {@link Resources} per test instance), and runs these tests;
 * they use only the public entity API:
 *
 * <pre>{@code
 * class TcpConnectorContractTest implements CrossProcessContract {
 *   private final Resources resources = new Resources();
 *   public Connector serverConnector() { return TcpConnector.of("127.0.0.1", 0); }
 *   public Resources resources() { return resources; }
 * }
 * }</pre>
 *
 * <p>Every entity uses {@link ContractSerializer} (strings, byte arrays and integers), so the
 * results do not depend on which serializers are on the class path. Every connection gets a {@link
 * LeakTracker} as its allocator (see {@link TrackedConnector}), and each test fails if it left a
 * buffer unreleased. Transports that reach other processes run {@link CrossProcessContract}, which
 * adds child-process tests.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public interface ConnectorContract
    extends LifecycleContract, StreamContract, RemoteInterfaceContract, PayloadContract {

  Duration TIMEOUT = Duration.ofSeconds(15);

  /**
   * The entities' shutdown grace period: several tests close entities whose handlers never answer,
   * and each close would otherwise wait the default 5 s for them.
   */
  Duration SHUTDOWN_GRACE = Duration.ofMillis(300);

  /** A connector for a new server on a fresh address. */
  Connector serverConnector();

  /** Everything a test started, closed after it whatever happened. */
  Resources resources();

  /**
   * How many messages a test sends one after the other, each from the previous one's completion:
   * enough to overflow the stack if sends nested (each level would take a few kilobytes of stack:
   * ten thousand levels are several times the default thread stack). A transport whose every send
   * waits for a broker confirm uses fewer.
   */
  default int sequentialMessages() {
    return 10_000;
  }

  /**
   * Entities and other things to close after each test, and the test's leak tracking: a {@link
   * LeakTracker} injected into every connection made through {@link #track}, checked once
   * everything is closed.
   */
  final class Resources {
    /** How long connections may take to close after the test closed its entities. */
    static final Duration CLOSING = Duration.ofSeconds(10);

    /** How long buffers may take to be let go once the connections are closed. */
    static final Duration LEAK_PATIENCE = Duration.ofSeconds(1);

    private final List<AutoCloseable> items = Collections.synchronizedList(new ArrayList<>());
    private final LeakTracker tracker = new LeakTracker();
    private @Nullable TrackedConnector tracking;

    public <T extends AutoCloseable> T add(T item) {
      items.add(item);
      return item;
    }

    /** {@code address} with this test's leak tracking. */
    public synchronized TrackedConnector track(Connector address) {
      TrackedConnector t = tracking;
      if (t == null) {
        t = TrackedConnector.of(address, tracker);
        tracking = t;
        return t;
      }
      return t.track(address);
    }

    /**
     * Closes everything added, last first, then fails if a buffer allocated through the leak
     * tracking was not released.
     */
    public void closeAll() throws Exception {
      Exception first = null;
      List<AutoCloseable> copy;
      synchronized (items) {
        copy = new ArrayList<>(items);
        items.clear();
      }
      Collections.reverse(copy);
      for (AutoCloseable c : copy) {
        try {
          c.close();
        } catch (Exception e) {
          if (first == null) {
            first = e;
          } else {
            first.addSuppressed(e);
          }
        }
      }
      if (first != null) {
        throw first;
      }
      TrackedConnector t;
      synchronized (this) {
        t = tracking;
        tracking = null;
      }
      if (t != null) {
        t.assertAllReleased(CLOSING, LEAK_PATIENCE);
      }
    }
  }

  @AfterEach
  default void closeResources() throws Exception {
    resources().closeAll();
  }

  // ---------------------------------------------------------------- helpers

  /** A fresh address of the transport under test, with the test's leak tracking. */
  @Override
  default TrackedConnector newAddress() {
    return resources().track(serverConnector());
  }

  /**
   * Builders of the entities under test: on {@code address} with the test's leak tracking, and
   * with the contract's own serializer, so that no result depends on the class path.
   */
  default SimpleServer.Builder simpleServer(Connector address) {
    return SimpleServer.builder(resources().track(address))
        .serializer(ContractSerializer.INSTANCE)
        .shutdownGrace(SHUTDOWN_GRACE);
  }

  default RouteServer.Builder routeServer(Connector address) {
    return RouteServer.builder(resources().track(address))
        .serializer(ContractSerializer.INSTANCE)
        .shutdownGrace(SHUTDOWN_GRACE);
  }

  default SimpleClient.Builder simpleClient(Connector address) {
    return SimpleClient.builder(resources().track(address))
        .serializer(ContractSerializer.INSTANCE)
        .shutdownGrace(SHUTDOWN_GRACE);
  }

  default RouteClient.Builder routeClient(Connector address) {
    return RouteClient.builder(resources().track(address))
        .serializer(ContractSerializer.INSTANCE)
        .shutdownGrace(SHUTDOWN_GRACE);
  }

  /** A client that retries a lost connection within a fraction of a second. */
  default SimpleClient.Builder reconnectingClient(Connector address) {
    return simpleClient(address).reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200));
  }

  default SimpleServer.Builder server(Handler handler) {
    return simpleServer(newAddress()).handler(handler);
  }

  default SimpleServer start(SimpleServer.Builder b) {
    return resources().add(b.start());
  }

  default RouteServer start(RouteServer.Builder b) {
    return resources().add(b.start());
  }

  default SimpleClient client(SimpleServer server) {
    return resources().add(simpleClient(server.connector()).start());
  }

  default SimpleClient start(SimpleClient.Builder b) {
    return resources().add(b.start());
  }

  default RouteClient start(RouteClient.Builder b) {
    return resources().add(b.start());
  }

  static Handler echo() {
    return Handler.nonBlocking(String.class, s -> "echo:" + s);
  }

  // ---------------------------------------------------------------- request / response

  @Test
  default void requestResponseWithEachHandlerKind() {
    for (Handler h :
        List.of(
            Handler.nonBlocking(String.class, s -> "n:" + s),
            Handler.blocking(String.class, s -> "b:" + s),
            Handler.reactive(String.class, s -> Mono.delay(Duration.ofMillis(5)).thenReturn("r:" + s)),
            Handler.reactive(String.class, s -> Mono.just("j:" + s)))) {
      SimpleServer server = start(server(h));
      SimpleClient client = client(server);
      String reply = client.request("hi", String.class).block(TIMEOUT);
      assertThat(reply).endsWith(":hi").hasSize(4);
    }
  }

  /** A sender that sends the next message from each completion does not overflow the stack. */
  @Test
  default void sendingFromCompletionsDoesNotRecurseWithoutBound() throws Exception {
    int total = sequentialMessages();
    CountDownLatch received = new CountDownLatch(total);
    SimpleServer server =
        start(server(Handler.nonBlocking(String.class, s -> {
          received.countDown();
          return null;
        })));
    SimpleClient client = client(server);
    client.connected().block(TIMEOUT);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
    Runnable[] next = new Runnable[1];
    next[0] =
        () -> {
          if (sent.incrementAndGet() <= total) {
            client.fireAndForget("m").subscribe(null, failure::set, next[0]);
          }
        };
    next[0].run();
    // one message at a time: on a loaded machine this takes longer than one call's timeout
    assertThat(received.await(3 * TIMEOUT.toSeconds(), TimeUnit.SECONDS))
        .as("%s of %s messages received", total - received.getCount(), total)
        .isTrue();
    assertThat(failure.get()).isNull();
  }

  /** Messages from one sender are handled in the order sent, even by blocking handlers. */
  @Test
  default void fireAndForgetReachesTheHandlerInOrder() throws Exception {
    BlockingQueue<String> got = new LinkedBlockingQueue<>();
    SimpleServer server = start(server(Handler.consumer(String.class, got::add)));
    SimpleClient client = client(server);
    for (int i = 0; i < 100; i++) {
      client.fireAndForget("m" + i).block(TIMEOUT);
    }
    for (int i = 0; i < 100; i++) {
      assertThat(got.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("m" + i);
    }
  }

  /**
   * A burst from one thread that does not wait, small messages and large ones mixed (the small
   * ones staged by the sending thread, the large ones in buffers of their own), arrives in order.
   */
  @Test
  default void aBurstOfMessagesOfMixedSizesArrivesInOrder() throws Exception {
    int total = 3000;
    BlockingQueue<String> got = new LinkedBlockingQueue<>();
    SimpleServer server = start(server(Handler.consumer(String.class, got::add)));
    SimpleClient client = client(server);
    client.connected().block(TIMEOUT);
    String pad = "x".repeat(3000);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Mono<Void>> sent = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      String m = i % 97 == 0 ? i + pad : "m" + i;
      sent.add(client.fireAndForget(m).doOnError(failure::set).cache());
      sent.get(i).subscribe(null, e -> {});
    }
    Flux.concat(sent).then().block(TIMEOUT);
    assertThat(failure.get()).isNull();
    for (int i = 0; i < total; i++) {
      String m = got.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(m).as("message %s", i).isEqualTo(i % 97 == 0 ? i + pad : "m" + i);
    }
  }

  @Test
  default void handlerThatReturnsNothingCompletesEmpty() {
    SimpleServer server = start(server(Handler.nonBlocking(String.class, s -> null)));
    SimpleClient client = client(server);
    StepVerifier.create(client.request("x", String.class)).verifyComplete();
    SimpleServer reactive = start(server(Handler.reactive(String.class, s -> Mono.empty())));
    StepVerifier.create(client(reactive).request("x", String.class)).expectComplete().verify(TIMEOUT);
    SimpleServer consumer = start(server(Handler.consumer(String.class, s -> {})));
    StepVerifier.create(client(consumer).request("x", String.class)).expectComplete().verify(TIMEOUT);
  }

  @Test
  default void nullDataArrivesAsNull() {
    SimpleServer server =
        start(server(Handler.nonBlocking(String.class, s -> s == null ? "was null" : "was " + s)));
    assertThat(client(server).request(null, String.class).block(TIMEOUT)).isEqualTo("was null");
  }

  @Test
  default void bytesCrossUnchanged() {
    SimpleServer server = start(server(Handler.nonBlocking(byte[].class, b -> b)));
    byte[] data = new byte[1000];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 7);
    }
    assertThat(client(server).request(data, byte[].class).block(TIMEOUT)).isEqualTo(data);
  }

  @Test
  default void thousandConcurrentRequestsAreCorrelated() {
    SimpleServer server =
        start(
            server(
                Handler.reactive(
                    String.class,
                    s ->
                        Mono.delay(Duration.ofMillis((s.hashCode() & 7)))
                            .thenReturn("re:" + s))));
    SimpleClient client = client(server);
    List<String> replies =
        Flux.range(0, 1000)
            .flatMap(i -> client.request("q" + i, String.class).map(r -> i + "=" + r), 1000)
            .collectList()
            .block(TIMEOUT);
    assertThat(replies).hasSize(1000);
    for (String r : replies) {
      String[] kv = r.split("=", 2);
      assertThat(kv[1]).isEqualTo("re:q" + kv[0]);
    }
  }

  // ---------------------------------------------------------------- routes

  @Test
  default void routesAndUnknownRoute() {
    RouteServer server =
        start(
            routeServer(newAddress())
                .route("upper", Handler.nonBlocking(String.class, String::toUpperCase))
                .route("lower", Handler.blocking(String.class, String::toLowerCase)));
    RouteClient client = start(routeClient(server.connector()));
    assertThat(client.request("upper", "MiX", String.class).block(TIMEOUT)).isEqualTo("MIX");
    assertThat(client.request("lower", "MiX", String.class).block(TIMEOUT)).isEqualTo("mix");
    StepVerifier.create(client.request("nope", "x", String.class))
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(RequestException.class)
                    .hasMessageContaining("nope")
                    .satisfies(
                        x ->
                            assertThat(((RequestException) x).code())
                                .isEqualTo(RequestException.UNKNOWN_ROUTE)))
        .verify(TIMEOUT);
    // the connection is still usable
    assertThat(client.request("upper", "ok", String.class).block(TIMEOUT)).isEqualTo("OK");
  }

  Route<String, Integer> LENGTH = Route.of("length", String.class, Integer.class);

  @Test
  default void typedRoutesAreSharedByBothSides() {
    Route<String, String> shout =
        Route.of("shout", String.class, String.class).withSerializer(new TaggedSerializer());
    RouteServer server =
        start(
            routeServer(newAddress())
                .route(LENGTH, LENGTH.nonBlocking(String::length))
                .route(shout, shout.blocking(s -> s.toUpperCase() + "!")));
    RouteClient client = start(routeClient(server.connector()));
    Mono<Integer> length = client.request(LENGTH, "four");
    assertThat(length.block(TIMEOUT)).isEqualTo(4);
    assertThat(client.request(shout, "hey").block(TIMEOUT)).isEqualTo("HEY!");
  }

  @Test
  default void oneRouteOneSerializerOnEachSide() {
    RouteServer server =
        start(routeServer(newAddress()).route(LENGTH, LENGTH.nonBlocking(String::length)));
    RouteClient client = start(routeClient(server.connector()));
    assertThat(client.request(LENGTH, "abc").block(TIMEOUT)).isEqualTo(3);
    Route<String, Integer> sameNameOtherFormat =
        Route.of("length", String.class, Integer.class).withSerializer(new TaggedSerializer());
    assertThatThrownBy(() -> client.request(sameNameOtherFormat, "abc"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("route 'length'")
        .hasMessageContaining("one route, one serializer");
    assertThatThrownBy(
            () ->
                new RouteTable()
                    .route(LENGTH, Handler.nonBlocking(Integer.class, i -> i)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.lang.Integer");
  }

  // ---------------------------------------------------------------- errors

  @Test
  default void handlerErrorsReachTheRequesterWithTypeMessageAndCode() {
    RouteServer server =
        start(
            routeServer(newAddress())
                .route(
                    "req",
                    Handler.blocking(
                        String.class,
                        s -> {
                          throw new RequestException("bad input: " + s, 42);
                        }))
                .route(
                    "resp",
                    Handler.reactive(
                        String.class, s -> Mono.error(new ResponderException("db down", 7))))
                .route(
                    "other",
                    Handler.nonBlocking(
                        String.class,
                        s -> {
                          throw new IllegalStateException("no stock");
                        }))
                .route("int", Handler.nonBlocking(String.class, s -> s)));
    RouteClient client = start(routeClient(server.connector()));

    assertThatThrownBy(() -> client.request("req", "x", String.class).block(TIMEOUT))
        .isInstanceOf(RequestException.class)
        .hasMessage("bad input: x")
        .satisfies(e -> assertThat(((RequestException) e).code()).isEqualTo(42));
    assertThatThrownBy(() -> client.request("resp", "x", String.class).block(TIMEOUT))
        .isInstanceOf(ResponderException.class)
        .hasMessage("db down")
        .satisfies(e -> assertThat(((ResponderException) e).code()).isEqualTo(7));
    assertThatThrownBy(() -> client.request("other", "x", String.class).block(TIMEOUT))
        .isInstanceOf(HandlerFailedException.class)
        .hasMessage("java.lang.IllegalStateException: no stock")
        .satisfies(
            e ->
                assertThat(((HandlerFailedException) e).remoteType())
                    .isEqualTo("java.lang.IllegalStateException"));
    // a reply that does not decode fails the request, it does not hang
    assertThatThrownBy(() -> client.request("int", "not a number", Integer.class).block(TIMEOUT))
        .isInstanceOf(SerializationException.class);
    // none of that hurt the connection
    assertThat(client.request("int", "still", String.class).block(TIMEOUT)).isEqualTo("still");
  }

  @Test
  default void repliesThatCannotBeSentFailTheRequestWithTheReason() {
    RouteServer server =
        start(
            routeServer(newAddress())
                .route("object", Handler.nonBlocking(String.class, s -> new Object()))
                .route("huge", Handler.blocking(String.class, s -> "h".repeat(50_000))));
    RouteClient client =
        start(routeClient(server.connector()).maxMessageSize(10_000));
    // the responder's fault: its handler's reply does not encode
    assertThatThrownBy(() -> client.request("object", "x", String.class).block(TIMEOUT))
        .isInstanceOf(ResponderException.class)
        .hasMessageContaining("the responder cannot encode its reply")
        .satisfies(
            e -> assertThat(((ResponderException) e).code())
                .isEqualTo(ResponderException.UNENCODABLE_REPLY));
    assertThatThrownBy(() -> client.request("huge", "x", String.class).block(TIMEOUT))
        .isInstanceOf(MessageTooLargeException.class)
        .hasMessageContaining("10000");
    assertThat(client.request("huge", null, String.class).onErrorReturn("still usable").block(TIMEOUT))
        .isEqualTo("still usable");
  }

  @Test
  default void requestDataThatDoesNotDecodeIsTheRequestersFault() {
    CountDownLatch called = new CountDownLatch(1);
    SimpleServer server =
        start(
            server(
                Handler.nonBlocking(
                    Integer.class,
                    i -> {
                      called.countDown();
                      return i;
                    })));
    assertThatThrownBy(() -> client(server).request("twelve", Integer.class).block(TIMEOUT))
        .isInstanceOf(RequestException.class)
        .satisfies(
            e -> assertThat(((RequestException) e).code()).isEqualTo(RequestException.INVALID_DATA));
    assertThat(called.getCount()).isEqualTo(1);
  }

  @Test
  default void mismatchedSerializersGiveAnErrorNamingBothFormats() {
    Serializer other = new TaggedSerializer();
    SimpleServer server = start(server(echo()).serializer(other));
    SimpleClient client = client(server);
    assertThatThrownBy(() -> client.request("x", String.class).block(TIMEOUT))
        .isInstanceOf(RequestException.class)
        .hasMessageContaining("content type " + ContractSerializer.CONTENT_TYPE)
        .hasMessageContaining("content type 200");
  }

  // ---------------------------------------------------------------- timeouts and cancellation

  @Test
  default void timeoutCancelsTheReactiveHandler() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch cancelled = new CountDownLatch(1);
    SimpleServer server =
        start(
            server(
                Handler.reactive(
                    String.class,
                    s ->
                        Mono.never()
                            .doOnSubscribe(x -> started.countDown())
                            .doOnCancel(cancelled::countDown))));
    SimpleClient client = client(server);
    StepVerifier.create(client.request("slow", String.class, Duration.ofMillis(300)))
        .expectError(RequestTimeoutException.class)
        .verify(TIMEOUT);
    assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(cancelled.await(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  default void cancellingTheMonoCancelsTheRemoteHandler() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    CountDownLatch reactiveCancelled = new CountDownLatch(1);
    RouteServer server =
        start(
            routeServer(newAddress())
                .route(
                    "block",
                    Handler.blocking(
                        String.class,
                        s -> {
                          started.countDown();
                          try {
                            Thread.sleep(60_000); // the handler's own work, ended by the cancel
                          } catch (InterruptedException e) {
                            interrupted.countDown();
                          }
                          return "late";
                        }))
                .route(
                    "reactive",
                    Handler.reactive(
                        String.class, s -> Mono.never().doOnCancel(reactiveCancelled::countDown))));
    RouteClient client = start(routeClient(server.connector()));
    var blocking = client.request("block", "x", String.class).subscribe();
    assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
    blocking.dispose();
    assertThat(interrupted.await(5, TimeUnit.SECONDS)).isTrue();

    AtomicReference<Object> signal = new AtomicReference<>();
    var reactive =
        client
            .request("reactive", "x", String.class)
            .subscribe(signal::set, signal::set, () -> signal.set("complete"));
    // wait until the request reached the server: a follow-up request on the same connection
    // is answered after it
    client.request("unknown-route-ping", "x", String.class).onErrorResume(e -> Mono.empty()).block(TIMEOUT);
    reactive.dispose();
    assertThat(reactiveCancelled.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(signal.get()).isNull();
  }

  // ---------------------------------------------------------------- sizes

  @Test
  default void messageAtTheLimitCrossesAndOneByteOverFailsOnTheSender() {
    // the limit applies to the encoded payload: a string of n 'x' encodes to n + overhead bytes
    int limit = 200_000;
    int n = limit; // the contract serializer writes a string as its UTF-8 bytes alone
    SimpleServer server =
        start(server(Handler.nonBlocking(String.class, String::length)).maxMessageSize(limit));
    SimpleClient client =
        start(simpleClient(server.connector()).maxMessageSize(limit).maxFrameSize(8192));
    assertThat(client.request("x".repeat(n), Integer.class).block(TIMEOUT)).isEqualTo(n);
    String over = "x".repeat(n + 1);
    assertThatThrownBy(() -> client.request(over, Integer.class).block(TIMEOUT))
        .isInstanceOf(MessageTooLargeException.class)
        .hasMessageContaining(String.valueOf(limit));
    assertThatThrownBy(() -> client.fireAndForget(over).block(TIMEOUT))
        .isInstanceOf(MessageTooLargeException.class);
    // the connection stays usable
    assertThat(client.request("ok", Integer.class).block(TIMEOUT)).isEqualTo(2);
  }

  @Test
  default void theSmallerOfBothLimitsApplies() {
    int serverLimit = 10_000;
    SimpleServer server =
        start(server(Handler.nonBlocking(String.class, String::length)).maxMessageSize(serverLimit));
    SimpleClient client = client(server);
    client.connected().block(TIMEOUT);
    String over = "x".repeat(serverLimit + 1);
    assertThatThrownBy(() -> client.request(over, Integer.class).block(TIMEOUT))
        .isInstanceOf(MessageTooLargeException.class);
    assertThat(client.request("ok", Integer.class).block(TIMEOUT)).isEqualTo(2);
  }

  @Test
  default void largeMessagesAreFragmentedAndReassembled() {
    SimpleServer server =
        start(server(Handler.nonBlocking(String.class, s -> s + "!")).maxFrameSize(4096));
    SimpleClient client = start(simpleClient(server.connector()).maxFrameSize(4096));
    String big = "x".repeat(1_000_000);
    assertThat(client.request(big, String.class).block(TIMEOUT)).isEqualTo(big + "!");
  }

  @Test
  default void fragmentedRequestForAnUnknownRouteIsRefusedAndTheConnectionLives() {
    RouteServer server =
        start(routeServer(newAddress()).route("r", echo()).maxFrameSize(4096));
    RouteClient client = start(routeClient(server.connector()).maxFrameSize(4096));
    String big = "y".repeat(50_000);
    String longRoute = "a-route-longer-than-any-the-server-has-" + "z".repeat(100);
    for (String route : List.of("s", longRoute)) {
      assertThatThrownBy(() -> client.request(route, big, String.class).block(TIMEOUT))
          .isInstanceOf(RequestException.class)
          .hasMessageContaining("unknown route '" + route + "'");
    }
    assertThatThrownBy(() -> client.request(longRoute, "small", String.class).block(TIMEOUT))
        .isInstanceOf(RequestException.class);
    assertThat(client.request("r", big, String.class).block(TIMEOUT)).isEqualTo("echo:" + big);
  }

  // ---------------------------------------------------------------- both directions

  @Test
  default void serverRequestsClientsByIdAndAny() throws Exception {
    SimpleServer server = start(server(echo()));
    SimpleClient a =
        start(
            simpleClient(server.connector())
                .clientId("client-a")
                .handler(Handler.nonBlocking(String.class, s -> "a got " + s)));
    SimpleClient b =
        start(
            simpleClient(server.connector())
                .clientId("client-b")
                .handler(Handler.blocking(String.class, s -> "b got " + s)));
    a.connected().block(TIMEOUT);
    b.connected().block(TIMEOUT);
    assertThat(server.requestClient("client-a", "x", String.class).block(TIMEOUT))
        .isEqualTo("a got x");
    assertThat(server.requestClient("client-b", "y", String.class).block(TIMEOUT))
        .isEqualTo("b got y");
    assertThat(server.request("z", String.class).block(TIMEOUT)).endsWith("got z");
    assertThat(server.clientIds()).containsExactlyInAnyOrder("client-a", "client-b");
  }

  @Test
  default void serverFireAndForgetToClient() throws Exception {
    SimpleServer server = start(server(echo()));
    BlockingQueue<String> got = new LinkedBlockingQueue<>();
    SimpleClient client =
        start(
            simpleClient(server.connector())
                .clientId("listener")
                .handler(Handler.consumer(String.class, got::add)));
    server.fireAndForgetClient("listener", "note").block(TIMEOUT);
    assertThat(got.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("note");
    assertThat(client.isConnected()).isTrue();
  }

  @Test
  default void serverRequestWaitsForTheClientToConnect() {
    SimpleServer server = start(server(echo()));
    Mono<String> pending = server.requestClient("late", "hello", String.class).cache();
    pending.subscribe(x -> {}, e -> {});
    start(
        simpleClient(server.connector())
            .clientId("late")
            .handler(Handler.nonBlocking(String.class, s -> "late got " + s)));
    assertThat(pending.block(TIMEOUT)).isEqualTo("late got hello");
  }

  @Test
  default void routeServerRequestsClientRoutes() {
    RouteServer server =
        start(routeServer(newAddress()).route("ping", echo()));
    start(
        routeClient(server.connector())
            .clientId("worker")
            .route("status", Handler.nonBlocking(String.class, s -> "idle"))
            .route("job", Handler.blocking(String.class, s -> "done " + s)));
    assertThat(server.requestClient("worker", "status", "", String.class).block(TIMEOUT))
        .isEqualTo("idle");
    assertThat(server.request("job", "j1", String.class).block(TIMEOUT)).isEqualTo("done j1");
    StepVerifier.create(server.requestClient("worker", "missing", "", String.class))
        .expectError(RequestException.class)
        .verify(TIMEOUT);
  }

  @Test
  default void connectEventsAndDisconnectEvents() {
    SimpleServer server = start(server(echo()));
    List<ClientEvent> events = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch two = new CountDownLatch(2);
    server.events().subscribe(e -> {
      events.add(e);
      two.countDown();
    });
    SimpleClient client =
        simpleClient(server.connector()).clientId("watched").start();
    client.connected().block(TIMEOUT);
    client.close();
    try {
      assertThat(two.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    assertThat(events).extracting(ClientEvent::type)
        .containsExactly(ClientEvent.Type.CONNECTED, ClientEvent.Type.DISCONNECTED);
    assertThat(events.get(0).client().clientId()).isEqualTo("watched");
  }

  // ---------------------------------------------------------------- connection lifecycle

  @Test
  default void requestMadeBeforeTheServerStartsWaitsForTheConnection() {
    SimpleServer first = start(server(echo()));
    Connector address = first.connector();
    first.close();
    SimpleClient client = start(reconnectingClient(address));
    Mono<String> reply = client.request("early", String.class).cache();
    reply.subscribe(x -> {}, e -> {});
    start(simpleServer(address).handler(echo()));
    assertThat(reply.block(TIMEOUT)).isEqualTo("echo:early");
  }

  @Test
  default void requestWithoutServerTimesOut() {
    SimpleServer first = start(server(echo()));
    Connector address = first.connector();
    first.close();
    SimpleClient client =
        start(
            simpleClient(address)
                .requestTimeout(Duration.ofMillis(300))
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200)));
    StepVerifier.create(client.request("x", String.class, Duration.ofMillis(300)))
        .expectError(RequestTimeoutException.class)
        .verify(TIMEOUT);
    if (messagesWaitForAServer()) {
      StepVerifier.create(client.fireAndForget("x")).verifyComplete();
    } else {
      StepVerifier.create(client.fireAndForget("x"))
          .expectError(RequestTimeoutException.class)
          .verify(TIMEOUT);
    }
  }

  @Test
  default void serverRestartOnTheSameAddressKeepsTheClientId() throws Exception {
    SimpleServer first = start(server(Handler.reactive(String.class, s -> Mono.never())));
    Connector address = first.connector();
    SimpleClient client =
        start(
            simpleClient(address)
                .clientId("steady")
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200)));
    client.connected().block(TIMEOUT);
    Mono<String> inFlight = client.request("stuck", String.class).cache();
    inFlight.subscribe(x -> {}, e -> {});
    // make sure the request is on the wire before the server goes away
    CountDownLatch serverGone = new CountDownLatch(1);
    first.events().subscribe(e -> {}, e -> {}, serverGone::countDown);
    first.close();
    assertThat(serverGone.await(5, TimeUnit.SECONDS)).isTrue();
    StepVerifier.create(inFlight).expectError(ConnectionLostException.class).verify(TIMEOUT);

    SimpleServer second = start(simpleServer(address).handler(echo()));
    assertThat(client.request("again", String.class).block(TIMEOUT)).isEqualTo("echo:again");
    assertThat(second.clientIds()).containsExactly("steady");
  }

  /** A caller that retries when its connection drops gets its answer from the next connection. */
  @Test
  default void retryingAfterConnectionLossWaitsForTheNextConnection() throws Exception {
    SimpleServer first = start(server(Handler.reactive(String.class, s -> Mono.never())));
    Connector address = first.connector();
    SimpleClient client = start(reconnectingClient(address));
    client.connected().block(TIMEOUT);
    CountDownLatch onServer = new CountDownLatch(2);
    first.close();
    // the first server is gone; a second one answers
    Mono<String> retried =
        client.request("a", String.class).retry(3).cache();
    Mono<String> resumed =
        client
            .request("b", String.class)
            .onErrorResume(ConnectionLostException.class, e -> client.request("b2", String.class))
            .cache();
    retried.subscribe(x -> onServer.countDown(), e -> {});
    resumed.subscribe(x -> onServer.countDown(), e -> {});
    start(simpleServer(address).handler(echo()));
    assertThat(onServer.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(retried.block(TIMEOUT)).isEqualTo("echo:a");
    assertThat(resumed.block(TIMEOUT)).startsWith("echo:b");
    assertThat(client.request("after", String.class).block(TIMEOUT)).isEqualTo("echo:after");
  }

  @Test
  default void retryOfRequestsInFlightWhenTheConnectionDrops() throws Exception {
    SimpleServer first = start(server(Handler.reactive(String.class, s -> Mono.never())));
    Connector address = first.connector();
    SimpleClient client = start(reconnectingClient(address));
    client.connected().block(TIMEOUT);
    List<Mono<String>> inFlight = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Mono<String> r = client.request("r" + i, String.class).retry(5).cache();
      r.subscribe(x -> {}, e -> {});
      inFlight.add(r);
    }
    // a round trip on the same connection: the 20 are written before it is answered
    client.request("probe", String.class, Duration.ofMillis(300)).onErrorResume(e -> Mono.empty())
        .block(TIMEOUT);
    first.close();
    start(simpleServer(address).handler(echo()));
    for (int i = 0; i < 20; i++) {
      assertThat(inFlight.get(i).block(TIMEOUT)).isEqualTo("echo:r" + i);
    }
  }

  @Test
  default void errorRepliesLongerThanAFrameArriveWhole() {
    String message = "e".repeat(6000);
    SimpleServer server =
        start(
            server(
                Handler.nonBlocking(
                    String.class,
                    s -> {
                      throw new RequestException(message, 9);
                    })));
    SimpleClient client = start(simpleClient(server.connector()).maxFrameSize(4096));
    assertThatThrownBy(() -> client.request("x", String.class).block(TIMEOUT))
        .isInstanceOf(RequestException.class)
        .hasMessage(message);
    assertThatThrownBy(() -> client.request("y", String.class).block(TIMEOUT))
        .isInstanceOf(RequestException.class);
  }

  @Test
  default void authenticatorRefusalReachesTheClient() {
    SimpleServer server =
        start(
            server(echo())
                .authenticator(
                    (info, credentials) ->
                        new String(credentials, java.nio.charset.StandardCharsets.UTF_8)
                                .equals("secret")
                            ? null
                            : "bad credentials for " + info.clientId()));
    SimpleClient good =
        start(simpleClient(server.connector()).clientId("good").credentials("secret"));
    assertThat(good.request("x", String.class).block(TIMEOUT)).isEqualTo("echo:x");
    SimpleClient bad =
        start(simpleClient(server.connector()).clientId("bad").credentials("guess"));
    StepVerifier.create(bad.request("x", String.class))
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(HandshakeRefusedException.class)
                    .hasMessageContaining("bad credentials for bad"))
        .verify(TIMEOUT);
  }

  @Test
  default void entitiesThatAreNotStartedSaySo() {
    SimpleServer server = resources().add(server(echo()).build());
    StepVerifier.create(server.request("x", String.class))
        .expectErrorMessage("the server is not started: call start() first")
        .verify(TIMEOUT);
    SimpleClient client = resources().add(simpleClient(newAddress()).build());
    StepVerifier.create(client.request("x", String.class))
        .expectErrorMessage("the client is not started: call start() first")
        .verify(TIMEOUT);
  }

  @Test
  default void closingTheClientFailsWaitingRequests() {
    SimpleServer server = start(server(Handler.reactive(String.class, s -> Mono.never())));
    SimpleClient client = simpleClient(server.connector()).start();
    client.connected().block(TIMEOUT);
    Mono<String> inFlight = client.request("x", String.class).cache();
    inFlight.subscribe(x -> {}, e -> {});
    // a round trip proves the first request was written before the close
    client.request("y", String.class, Duration.ofMillis(200)).onErrorResume(e -> Mono.empty())
        .subscribeOn(Schedulers.boundedElastic()).subscribe();
    client.close();
    StepVerifier.create(inFlight).expectError(ConnectionLostException.class).verify(TIMEOUT);
    StepVerifier.create(client.request("z", String.class))
        .expectError(ConnectionLostException.class)
        .verify(TIMEOUT);
  }
}
