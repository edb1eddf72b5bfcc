package io.communica.hub;

import static java.util.Objects.requireNonNull;

import io.communica.core.CallContext;
import io.communica.core.CallOptions;
import io.communica.core.ClientEvent;
import io.communica.core.Connector;
import io.communica.core.EntityBuilder;
import io.communica.core.Handler;
import io.communica.core.RouteServer;
import io.communica.hub.internal.HubState;
import io.communica.hub.internal.Wire;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The hub: a server that processes join as {@link Node}s, holding the registry of nodes, events
 * and subscriptions, relaying contacts, requests and signals between nodes. It is a {@link
 * RouteServer} underneath, so it runs over every connector.
 *
 * <pre>{@code
 * Hub hub = Hub.builder(Connector.load("tcp://127.0.0.1:54121")).start();
 * // or, in a main: Hub.builder(connector).build().run();
 * // or from a shell: java -cp ... io.communica.hub.HubMain tcp://127.0.0.1:54121
 * }</pre>
 *
 * <h2>Delivery</h2>
 *
 * Each subscription has a bounded buffer on the hub ({@link Builder#subscriptionBuffer}), filled
 * by emitters and drained as the subscriber's credits allow; when it is full, the subscriber's
 * {@link Overflow} policy applies, so one slow subscriber never slows the others. Events of one
 * emitter reach every subscriber in the order emitted. A node that loses its connection keeps its
 * subscriptions (buffering meanwhile) for the reconnect window; when the window passes, its SINGLE
 * events are dissolved, its subscriptions removed, and the other nodes see it leave. Delivery is at
 * most once: events on their way when a connection drops are lost.
 *
 * @since 0.3
 */
public final class Hub implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Hub.class);

  private final RouteServer server;
  private final HubState state;
  private final Scheduler timer;
  private volatile Disposable events = () -> {};

  private Hub(Builder b) {
    this.timer = Schedulers.newSingle("communica-hub-timer", true);
    RouteServer[] self = new RouteServer[1];
    this.state =
        new HubState(
            new HubState.Limits(
                b.reconnectWindow,
                b.maxEventsPerNode,
                b.maxSubscriptionsPerNode,
                b.subscriptionBuffer,
                b.maxSubscriptionBuffer,
                b.maxBufferedBytes,
                b.maxDataBytes()),
            () -> self[0].clientIds(),
            timer);
    RouteServer.Builder sb = RouteServer.builder(b.connector);
    b.configure.accept(sb);
    sb.maxMessageSize(b.maxMessageSize)
        .serializer(Wire.INSTANCE)
        .authenticator(state::join)
        .route(Wire.CREATE, Handler.nonBlocking(Wire.Create.class, c -> {
              state.create(from(), c);
              return null;
            }))
        .route(Wire.DISSOLVE, Handler.nonBlocking(String.class, name -> {
              state.dissolve(from(), name);
              return null;
            }))
        .route(Wire.EMIT, Handler.nonBlocking(Wire.Emit.class,
            e -> new Wire.Count(state.emit(from(), e))))
        .route(Wire.SUBSCRIBE, Handler.stream(Wire.Subscribe.class,
            s -> Flux.from(state.subscribe(from(), s))))
        .route(Wire.UNSUBSCRIBE, Handler.nonBlocking(String.class, id -> {
              state.unsubscribe(from(), id);
              return null;
            }))
        .route(Wire.MEMBERS, Handler.stream(String.class, x -> Flux.from(state.members())))
        .route(Wire.NODES, Handler.nonBlocking(String.class, x -> new Wire.Nodes(state.nodes())))
        .route(Wire.LEAVE, Handler.nonBlocking(String.class, x -> {
              state.leave(from());
              return null;
            }))
        .route(Wire.CONTACT, Handler.reactive(Wire.Direct.class, this::contact))
        .route(Wire.DIRECT, Handler.reactive(Wire.Direct.class, this::request))
        .route(Wire.SIGNAL, Handler.nonBlocking(Wire.SignalTo.class, this::signal));
    this.server = sb.build();
    self[0] = server;
  }

  /** A builder for a hub listening with {@code connector}. */
  public static Builder builder(Connector connector) {
    return new Builder(connector);
  }

  private static String from() {
    String id = CallContext.current().peerId();
    if (id == null) {
      throw new IllegalStateException("a hub call without a caller");
    }
    return id;
  }

  /** A contact: relayed to the target node as a message; done when its connection took it. */
  private Mono<Object> contact(Wire.Direct d) {
    String target = state.resolve(d.target(), d.pid());
    return server
        .fireAndForgetClient(target, Wire.NODE_CONTACT, new Wire.Message(from(), d.data()))
        .then(Mono.empty());
  }

  /** A request: relayed to the target node, whose reply (or error) goes back to the requester. */
  private Mono<Wire.Reply> request(Wire.Direct d) {
    String target = state.resolve(d.target(), d.pid());
    return server.requestClient(
        target, Wire.NODE_REQUEST, new Wire.Message(from(), d.data()), Wire.Reply.class,
        CallOptions.DEFAULT);
  }

  private Object signal(Wire.SignalTo s) {
    String from = from();
    String target;
    try {
      target = state.resolve(s.target(), s.pid());
    } catch (RuntimeException e) {
      log.debug("signal from {} dropped: {}", from, e.getMessage());
      return null;
    }
    server
        .fireAndForgetClient(target, Wire.NODE_SIGNAL, new Wire.SignalFrom(from, s.kind()))
        .subscribe(null, e -> log.debug("signal from {} to {} lost: {}", from, target, e.toString()));
    return null;
  }

  /** Binds and returns at once; see {@link RouteServer#start()}. */
  public Hub start() {
    events =
        server.events().subscribe(
            (ClientEvent e) -> state.connectionChanged(e.client().clientId()));
    server.start();
    return this;
  }

  /** Starts and blocks until {@link #close()}, for plain {@code main} programs. */
  public void run() throws InterruptedException {
    events =
        server.events().subscribe(
            (ClientEvent e) -> state.connectionChanged(e.client().clientId()));
    server.run();
  }

  /** The bound connector (an ephemeral port replaced by the real one), for nodes to load. */
  public Connector connector() {
    return server.connector();
  }

  /** The nodes joined now, connected or within their reconnect window. */
  public List<NodeInfo> nodes() {
    return state.nodes();
  }

  /** Bytes held in all subscription buffers now (bounded by {@link Builder#maxBufferedBytes}). */
  public long bufferedBytes() {
    return state.bufferedBytes();
  }

  /** Events waiting in the buffers of the subscriptions to {@code event}, by subscriber node id. */
  public Map<String, Integer> buffered(String event) {
    return state.buffered(event);
  }

  /** Stops: every node's connection closes (they reconnect to the next hub at this address). */
  @Override
  public void close() {
    events.dispose();
    server.close();
    timer.dispose();
  }

  @Override
  public String toString() {
    return "Hub[" + server.connector() + "]";
  }

  /** Builds a {@link Hub}; every setter documents its default. */
  public static final class Builder {

    /** Default reconnect window: 30 seconds. */
    public static final Duration DEFAULT_RECONNECT_WINDOW = Duration.ofSeconds(30);

    /** Default cap of events one node may create: 1024. */
    public static final int DEFAULT_MAX_EVENTS_PER_NODE = 1024;

    /** Default cap of subscriptions one node may hold: 1024. */
    public static final int DEFAULT_MAX_SUBSCRIPTIONS_PER_NODE = 1024;

    /** Default buffer of a subscription that names none: 1024 events. */
    public static final int DEFAULT_SUBSCRIPTION_BUFFER = 1024;

    /** Default largest buffer a subscriber may ask for: 65536 events. */
    public static final int DEFAULT_MAX_SUBSCRIPTION_BUFFER = 65536;

    /**
     * Largest default bound on the bytes of all subscription buffers together: 256 MiB; the
     * default is this or a quarter of the maximum heap, whichever is smaller (the buffers are heap
     * arrays; see {@link #maxBufferedBytes}).
     */
    public static final long DEFAULT_MAX_BUFFERED_BYTES = 256L * 1024 * 1024;

    /** The default {@link #maxBufferedBytes} for a heap of {@code maxHeap} bytes. */
    static long defaultMaxBufferedBytes(long maxHeap) {
      return maxHeap <= 0 || maxHeap == Long.MAX_VALUE
          ? DEFAULT_MAX_BUFFERED_BYTES
          : Math.min(DEFAULT_MAX_BUFFERED_BYTES, maxHeap / 4);
    }

    /** Room an event's names take beside its data in a delivered message. */
    static final int ENVELOPE = 1024;

    private final Connector connector;
    private Duration reconnectWindow = DEFAULT_RECONNECT_WINDOW;
    private int maxEventsPerNode = DEFAULT_MAX_EVENTS_PER_NODE;
    private int maxSubscriptionsPerNode = DEFAULT_MAX_SUBSCRIPTIONS_PER_NODE;
    private int subscriptionBuffer = DEFAULT_SUBSCRIPTION_BUFFER;
    private int maxSubscriptionBuffer = DEFAULT_MAX_SUBSCRIPTION_BUFFER;
    private long maxBufferedBytes = defaultMaxBufferedBytes(Runtime.getRuntime().maxMemory());
    private int maxMessageSize = EntityBuilder.DEFAULT_MAX_MESSAGE_SIZE;
    private Consumer<RouteServer.Builder> configure = b -> {};

    private Builder(Connector connector) {
      this.connector = requireNonNull(connector, "connector");
    }

    /**
     * How long a node that lost its connection keeps its subscriptions, events and place before
     * it is taken for gone. Default 30 s.
     */
    public Builder reconnectWindow(Duration window) {
      requireNonNull(window, "window");
      if (window.isNegative() || window.isZero()) {
        throw new IllegalArgumentException("reconnectWindow must be positive: " + window);
      }
      this.reconnectWindow = window;
      return this;
    }

    /** Cap of events one node may have created; past it {@link HubCodes#LIMIT}. Default 1024. */
    public Builder maxEventsPerNode(int max) {
      this.maxEventsPerNode = positive(max, "maxEventsPerNode");
      return this;
    }

    /** Cap of subscriptions one node may hold; past it {@link HubCodes#LIMIT}. Default 1024. */
    public Builder maxSubscriptionsPerNode(int max) {
      this.maxSubscriptionsPerNode = positive(max, "maxSubscriptionsPerNode");
      return this;
    }

    /**
     * A subscription's buffer when the subscriber names none, and the largest it may name.
     * Defaults 1024 and 65536 events.
     */
    public Builder subscriptionBuffer(int defaultEvents, int maxEvents) {
      positive(defaultEvents, "defaultEvents");
      if (maxEvents < defaultEvents) {
        throw new IllegalArgumentException("maxEvents must not be below defaultEvents");
      }
      this.subscriptionBuffer = defaultEvents;
      this.maxSubscriptionBuffer = maxEvents;
      return this;
    }

    /**
     * Bound on the bytes held by all subscription buffers together (an event's data, and 64 bytes
     * for its envelope, count once per buffer holding it); past it new events overflow. Default
     * 256 MiB or a quarter of the maximum heap ({@code -Xmx}), whichever is smaller.
     *
     * <p>The buffers hold heap arrays, so this bound, not the process's memory budget of direct
     * memory ({@code -Dcommunica.memoryBudget}), is what keeps them in check; events on their way
     * out to a node are in that node's connection and count against the budget there.
     */
    public Builder maxBufferedBytes(long bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxBufferedBytes must be positive: " + bytes);
      }
      this.maxBufferedBytes = bytes;
      return this;
    }

    /**
     * Largest message the hub accepts and sends; event data may take all but 1 KiB of it (the
     * room the names need). Default 16 MiB, the entities' default.
     */
    public Builder maxMessageSize(int bytes) {
      if (bytes <= 2 * ENVELOPE) {
        throw new IllegalArgumentException("maxMessageSize must be above " + 2 * ENVELOPE);
      }
      this.maxMessageSize = bytes;
      return this;
    }

    /**
     * Sets anything else of the underlying server (keep-alive, timeouts, authenticating is the
     * hub's own); applied before the hub's own settings: serializer, authenticator, routes.
     */
    public Builder configure(Consumer<RouteServer.Builder> configure) {
      this.configure = requireNonNull(configure, "configure");
      return this;
    }

    int maxDataBytes() {
      return maxMessageSize - ENVELOPE;
    }

    private static int positive(int v, String name) {
      if (v <= 0) {
        throw new IllegalArgumentException(name + " must be positive: " + v);
      }
      return v;
    }

    /** The hub, not yet started. */
    public Hub build() {
      return new Hub(this);
    }

    /** Builds and starts the hub. */
    public Hub start() {
      return build().start();
    }
  }
}
