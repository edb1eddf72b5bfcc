package io.communica.bench.stacks;

import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.Payload;
import io.communica.core.RouteClient;
import io.communica.core.RouteServer;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.core.Utf8Serializer;
import io.communica.core.intercept.CallInfo;
import io.communica.core.intercept.ClientInterceptor;
import io.communica.core.intercept.ServerInterceptor;
import java.time.Duration;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * communica through its public API only: a server with a {@link Handler#nonBlocking} (or, as
 * stack {@code communica-reactive}, a {@link Handler#reactive}) echo handler on the route a {@link
 * SimpleClient} requests, and a {@link Handler#stream} for the stream case, {@link SimpleClient}
 * with byte-array payloads and the {@link Utf8Serializer} (which carries {@code
 * byte[]} as is). The transport is whatever {@link Connector#load} finds for the connector
 * string's scheme, so every transport module on the class path is measured the same way.
 */
final class CommunicaStack implements Stack {

  /** Fire-and-forget messages not yet taken by the transport, per sender. */
  static final int FIRE_WINDOW = 1024;

  /**
   * With environment variable {@code COMMUNICA_BENCH_INTERCEPTORS=on} (inherited by the child
   * JVMs), both sides install an interceptor that counts calls and their time, as a metrics
   * interceptor would: what the interceptor path costs next to none installed.
   */
  static final boolean INTERCEPTORS = "on".equals(System.getenv("COMMUNICA_BENCH_INTERCEPTORS"));

  /** What the benchmark's interceptor adds up. */
  static final LongAdder INTERCEPTED_NANOS = new LongAdder();

  /** A client and server interceptor that sums durations. */
  private static final class Counting implements ClientInterceptor, ServerInterceptor {
    @Override
    public void onStart(CallInfo call) {}

    @Override
    public void onEnd(CallInfo call) {
      INTERCEPTED_NANOS.add(call.durationNanos());
    }
  }

  private final boolean reactive;
  private final boolean payloads;

  CommunicaStack(boolean reactive) {
    this(reactive, false);
  }

  /**
   * @param payloads stack {@code communica-payload}: the server's handler takes and returns a
   *     {@link Payload} (the received buffer echoed without a copy), the client takes replies as
   *     {@code Payload}s and closes them
   */
  CommunicaStack(boolean reactive, boolean payloads) {
    this.reactive = reactive;
    this.payloads = payloads;
  }

  @Override
  public String name() {
    return payloads ? "communica-payload" : reactive ? "communica-reactive" : "communica";
  }

  @Override
  public Set<String> transports() {
    return Set.of("tcp", "unix", "amqp", "amqp-direct", "shm", "shm-spin", "udp");
  }

  @Override
  public BenchServer serve(String bind, LongAdder received) {
    AtomicReference<@Nullable RouteServer> self = new AtomicReference<>();
    Function<byte[], byte[]> echo =
        data -> {
          if (Stack.isControl(data)) {
            return Snapshot.take(received.sum()).encode();
          }
          if (Stack.isMemory(data)) {
            RouteServer s = self.get();
            return Memory.take(s == null ? 0 : s.clientIds().size(), data[1]).encode();
          }
          received.increment();
          return data;
        };
    Handler handler =
        payloads
            ? Handler.nonBlocking(
                Payload.class,
                data -> {
                  if (data.size() == 1 && data.content().getByte(data.content().readerIndex()) == 0) {
                    data.close();
                    return Snapshot.take(received.sum()).encode();
                  }
                  received.increment();
                  return data;
                })
            : reactive
                ? Handler.reactive(byte[].class, data -> Mono.just(echo.apply(data)))
                : Handler.nonBlocking(byte[].class, echo);
    // the data route "" is what a SimpleClient requests; "stream" answers the stream case with
    // the request's bytes as every item, generated as fast as credits allow
    RouteServer.Builder builder =
        RouteServer.builder(Connector.load(bind))
            .serializer(new Utf8Serializer())
            .route("", handler)
            .route(
                "stream",
                Handler.stream(
                    byte[].class,
                    item -> Flux.<byte[]>generate(sink -> sink.next(item))));
    if (INTERCEPTORS) {
      builder.interceptor((ServerInterceptor) new Counting());
    }
    RouteServer server = builder.start();
    self.set(server);
    return BenchServer.of(() -> server.connector().dump(), server::close);
  }

  @Override
  public boolean streams() {
    return true;
  }

  @Override
  public boolean reactive() {
    return true;
  }

  @Override
  public boolean memoryModes() {
    return true;
  }

  @Override
  public BenchClient connect(String address) {
    return new Client(address, payloads);
  }

  /** Idle connections opened at most this many at a time. */
  static final int OPENING = 64;

  private static SimpleClient client(String address) {
    return builder(address).build().startAndAwait(Duration.ofSeconds(30));
  }

  private static SimpleClient.Builder builder(String address) {
    SimpleClient.Builder builder =
        SimpleClient.builder(Connector.load(address)).serializer(new Utf8Serializer());
    if (INTERCEPTORS) {
      builder.interceptor((ClientInterceptor) new Counting());
    }
    return builder;
  }

  private static final class Client implements BenchClient {
    private final String address;
    private final SimpleClient data;
    private final SimpleClient control;
    private @Nullable RouteClient streams;
    private final boolean payloads;

    Client(String address, boolean payloads) {
      this.address = address;
      this.payloads = payloads;
      data = client(address);
      control = client(address);
    }

    @Override
    public void startStream(byte[] payload, Meter meter) {
      RouteClient c =
          RouteClient.builder(Connector.load(address))
              .serializer(new Utf8Serializer())
              .build()
              .startAndAwait(Duration.ofSeconds(30));
      streams = c;
      c.requestStream("stream", payload, byte[].class).subscribe(new Subscribers.Batched<>(meter));
    }

    @Override
    public void roundTrip(byte[] payload) {
      data.request(payload, byte[].class).block();
    }

    @Override
    public void startRequests(byte[] payload, int inFlight, Meter meter) {
      // one cold Mono, subscribed once per request: each subscription is a new request
      if (payloads) {
        Mono<Payload> request = data.request(payload, Payload.class);
        for (int i = 0; i < inFlight; i++) {
          request.subscribe(new Chain<>(request, meter));
        }
        return;
      }
      Mono<byte[]> request = data.request(payload, byte[].class);
      for (int i = 0; i < inFlight; i++) {
        request.subscribe(new Chain<>(request, meter));
      }
    }

    @Override
    public void startFlatMap(byte[] payload, int inFlight, Meter meter) {
      Flux.range(0, Integer.MAX_VALUE)
          .flatMap(i -> data.request(payload, byte[].class), inFlight)
          .takeWhile(reply -> !meter.stopped())
          .subscribe(reply -> meter.add(1), meter::fail);
    }

    @Override
    public void runFire(byte[] payload, Meter meter, Backlog backlog) throws Exception {
      Mono<Void> message = data.fireAndForget(payload);
      // the window: what this thread sent against what the meter counted as taken (or failed),
      // read only when the window looks full and then let half empty, so that the sender and the
      // event loop share no counter per message (a semaphore both updated took a fifth of the
      // sender's and a quarter of the loop's profile samples)
      long sent = 0;
      long done = 0;
      while (backlog.permits(1) > 0) {
        if (sent - done >= FIRE_WINDOW) {
          done = awaitTaken(meter, sent - FIRE_WINDOW / 2, Long.MAX_VALUE);
        }
        message.subscribe(new Taken(meter));
        sent++;
        backlog.sent(1);
      }
      // return once the transport took (or failed) every message sent, so the count is final
      if (awaitTaken(meter, sent, TimeUnit.SECONDS.toNanos(30)) < sent) {
        meter.fail(new IllegalStateException("messages not taken by the transport within 30 s"));
      }
    }

    /** Waits until the meter counted {@code atLeast} messages taken or failed; the count then. */
    private static long awaitTaken(Meter meter, long atLeast, long timeoutNanos)
        throws InterruptedException {
      long start = System.nanoTime();
      for (; ; ) {
        long done = meter.count() + meter.errors();
        if (done >= atLeast || System.nanoTime() - start > timeoutNanos) {
          return done;
        }
        LockSupport.parkNanos(20_000);
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
      }
    }

    @Override
    public AutoCloseable openIdle(int n, Runnable opened) {
      // SimpleClients as users make them, each with its connection; started OPENING at a time so
      // that the server's accept backlog never overflows
      Queue<SimpleClient> clients = new ConcurrentLinkedQueue<>();
      AutoCloseable all = () -> clients.forEach(SimpleClient::close);
      try {
        Flux.range(0, n)
            .flatMap(
                i -> {
                  SimpleClient c = builder(address).build();
                  clients.add(c);
                  c.start();
                  return c.connected().timeout(Duration.ofSeconds(60)).doOnSuccess(v -> opened.run());
                },
                OPENING)
            .blockLast(Duration.ofMinutes(30));
      } catch (RuntimeException e) {
        clients.forEach(SimpleClient::close);
        throw e;
      }
      return all;
    }

    @Override
    public Memory serverMemory(byte how) {
      byte[] reply =
          control
              .request(Stack.memoryRequest(how), byte[].class, Duration.ofSeconds(120))
              .block(Duration.ofSeconds(125));
      if (reply == null) {
        throw new IllegalStateException("empty memory reply");
      }
      return Memory.decode(reply);
    }

    @Override
    public Snapshot serverSnapshot() {
      // a datagram transport loses a request or its reply now and then, most often while the
      // fire-and-forget sender floods the server's socket and waits for this count: ask again
      // soon (a second per lost count held a UDP sender back most of the window)
      boolean datagrams = address.startsWith("udp:");
      Duration timeout = datagrams ? Duration.ofMillis(50) : Duration.ofSeconds(1);
      byte[] reply =
          control
              .request(Stack.CONTROL, byte[].class, timeout)
              .retry(datagrams ? 600 : 30)
              .block(Duration.ofSeconds(35));
      if (reply == null) {
        throw new IllegalStateException("empty snapshot reply");
      }
      return Snapshot.decode(reply);
    }

    @Override
    public void close() {
      data.close();
      control.close();
      RouteClient s = streams;
      if (s != null) {
        s.close();
      }
    }
  }

  /**
   * Counts a fire-and-forget message once the transport took it (or it failed): the sender's
   * window reads the meter.
   */
  private static final class Taken extends Subscribers.Counted<Void> {
    Taken(Meter meter) {
      super(meter);
    }
  }

  /**
   * One request: counts its reply and subscribes the next one unless the meter stopped. A failed
   * request is counted and not replaced: the run is reported as failed.
   */
  private static final class Chain<T> extends Subscribers.Counted<T> {
    private final Mono<T> request;

    Chain(Mono<T> request, Meter meter) {
      super(meter);
      this.request = request;
    }

    @Override
    public void onNext(@Nullable T value) {
      if (value instanceof Payload p) {
        p.close();
      }
    }

    @Override
    void afterComplete() {
      if (!meter.stopped()) {
        request.subscribe(new Chain<>(request, meter));
      }
    }
  }
}
