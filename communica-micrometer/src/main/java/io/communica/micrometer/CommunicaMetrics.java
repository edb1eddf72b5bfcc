package io.communica.micrometer;

import static java.util.Objects.requireNonNull;

import io.communica.core.EntityBuilder;
import io.communica.core.intercept.CallInfo;
import io.communica.core.intercept.ClientInterceptor;
import io.communica.core.intercept.ConnectionInfo;
import io.communica.core.intercept.ConnectionListener;
import io.communica.core.intercept.Outcome;
import io.communica.core.intercept.ServerInterceptor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

/**
 * Micrometer meters for one communica entity (or several that share the tags), built on its
 * interceptors and connection listener. The meters and their tags are listed in the module's
 * README.
 *
 * <pre>{@code
 * CommunicaMetrics metrics = new CommunicaMetrics(registry, Tags.of("entity", "orders"));
 * RouteServer server = metrics.instrument(RouteServer.builder(connector))
 *     .route("place", handler)
 *     .start();
 * }</pre>
 *
 * @since 0.2
 */
public final class CommunicaMetrics {

  /** Prefix of every meter. */
  public static final String PREFIX = "communica";

  private final MeterRegistry registry;
  private final Tags tags;
  private final boolean histogram;
  private final Side client;
  private final Side server;
  private final Set<ConnectionInfo> open = ConcurrentHashMap.newKeySet();
  private final AtomicLong closedRead = new AtomicLong();
  private final AtomicLong closedWritten = new AtomicLong();
  private final Counter reconnects;
  private final Counter refusals;
  private final Counter opened;
  private final ConnectionListener listener = new Listener();

  /** Meters with no common tags and no percentile histogram. */
  public CommunicaMetrics(MeterRegistry registry) {
    this(registry, Tags.empty(), false);
  }

  /** Meters with {@code tags} on each (e.g. {@code entity=orders}), no percentile histogram. */
  public CommunicaMetrics(MeterRegistry registry, Iterable<Tag> tags) {
    this(registry, tags, false);
  }

  /**
   * Meters with {@code tags} on each; {@code percentileHistogram} publishes the call timers'
   * histogram buckets (for percentiles aggregated across instances, e.g. by Prometheus).
   */
  public CommunicaMetrics(MeterRegistry registry, Iterable<Tag> tags, boolean percentileHistogram) {
    this.registry = requireNonNull(registry, "registry");
    this.tags = Tags.of(tags);
    this.histogram = percentileHistogram;
    this.client = new Side("client");
    this.server = new Side("server");
    Gauge.builder(PREFIX + ".connections", open, Set::size)
        .tags(this.tags)
        .description("open connections (handshake completed)")
        .register(registry);
    Gauge.builder(PREFIX + ".connections.queued.bytes", this, m -> m.sum(ConnectionInfo::queuedBytes))
        .tags(this.tags)
        .baseUnit("bytes")
        .description("bytes handed to open connections and not yet taken by their transport")
        .register(registry);
    FunctionCounter.builder(
            PREFIX + ".bytes.received", this, m -> m.closedRead.get() + m.sum(ConnectionInfo::bytesRead))
        .tags(this.tags)
        .baseUnit("bytes")
        .description("bytes of frames received")
        .register(registry);
    FunctionCounter.builder(
            PREFIX + ".bytes.sent",
            this,
            m -> m.closedWritten.get() + m.sum(ConnectionInfo::bytesWritten))
        .tags(this.tags)
        .baseUnit("bytes")
        .description("bytes of frames written")
        .register(registry);
    opened =
        Counter.builder(PREFIX + ".connections.opened")
            .tags(this.tags)
            .description("connections that completed their handshake")
            .register(registry);
    reconnects =
        Counter.builder(PREFIX + ".reconnects")
            .tags(this.tags)
            .description("client connection attempts that failed or connections lost, each followed by a reconnect")
            .register(registry);
    refusals =
        Counter.builder(PREFIX + ".handshake.refusals")
            .tags(this.tags)
            .description("handshakes refused (by this server, or by the server this client connects to)")
            .register(registry);
  }

  /** Installs the client and server interceptors and the connection listener on {@code builder}. */
  public <B extends EntityBuilder<B>> B instrument(B builder) {
    return builder
        .interceptor(clientInterceptor())
        .interceptor(serverInterceptor())
        .connectionListener(connectionListener());
  }

  /** Times the calls the entity makes ({@code communica.client.*}). */
  public ClientInterceptor clientInterceptor() {
    return client;
  }

  /** Times the calls the entity serves ({@code communica.server.*}). */
  public ServerInterceptor serverInterceptor() {
    return server;
  }

  /** Counts connections, reconnects, refusals and bytes. */
  public ConnectionListener connectionListener() {
    return listener;
  }

  private long sum(ToLongFunction<ConnectionInfo> f) {
    long n = 0;
    for (ConnectionInfo c : open) {
      n += f.applyAsLong(c);
    }
    return n;
  }

  /** The tag value of an outcome: {@code success}, {@code error}, {@code timeout}, {@code cancelled}. */
  static String outcome(CallInfo call) {
    Outcome o = call.outcome();
    return o == null ? "unknown" : o.name().toLowerCase(Locale.ROOT);
  }

  /** The tag value of an error: its class's simple name, {@code none} without one. */
  static String error(CallInfo call) {
    Throwable t = call.error();
    return t == null ? "none" : t.getClass().getSimpleName();
  }

  /** The key of one timer: the tag values that vary per call. */
  private record Key(String route, String kind, String outcome, String error) {}

  /** The meters of one side: a timer per route, kind, outcome and error, and calls in flight. */
  private final class Side implements ClientInterceptor, ServerInterceptor {
    private final String name;
    private final AtomicInteger active = new AtomicInteger();
    private final Map<Key, Timer> timers = new ConcurrentHashMap<>();

    Side(String side) {
      this.name = PREFIX + "." + side + ".requests";
      Gauge.builder(name + ".active", active, AtomicInteger::get)
          .tags(tags)
          .description("calls started and not ended")
          .register(registry);
    }

    @Override
    public void onStart(CallInfo call) {
      active.incrementAndGet();
    }

    @Override
    public void onEnd(CallInfo call) {
      active.decrementAndGet();
      Key key =
          new Key(call.route(), call.kind().name().toLowerCase(Locale.ROOT), outcome(call), error(call));
      timers.computeIfAbsent(key, this::timer).record(call.durationNanos(), TimeUnit.NANOSECONDS);
    }

    private Timer timer(Key k) {
      return Timer.builder(name)
          .tags(tags)
          .tag("route", k.route())
          .tag("kind", k.kind())
          .tag("outcome", k.outcome())
          .tag("error", k.error())
          .publishPercentileHistogram(histogram)
          .description("calls by route, kind and outcome, from start to end")
          .register(registry);
    }
  }

  private final class Listener implements ConnectionListener {
    @Override
    public void onOpen(ConnectionInfo connection) {
      open.add(connection);
      opened.increment();
    }

    @Override
    public void onClose(ConnectionInfo connection, Throwable cause) {
      if (open.remove(connection)) {
        closedRead.addAndGet(connection.bytesRead());
        closedWritten.addAndGet(connection.bytesWritten());
      }
    }

    @Override
    public void onHandshakeRefused(ConnectionInfo connection, String reason) {
      refusals.increment();
    }

    @Override
    public void onReconnect(int attempt) {
      reconnects.increment();
    }
  }
}
