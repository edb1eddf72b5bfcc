package io.communica.core;

import static java.util.Objects.requireNonNull;

import io.communica.core.frame.FrameHeader;
import io.communica.core.intercept.ClientInterceptor;
import io.communica.core.intercept.ConnectionListener;
import io.communica.core.intercept.ServerInterceptor;
import io.communica.core.internal.EntityConfig;
import io.communica.core.internal.Interception;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Options every entity has. Each setter documents its default; the defaults are also public
 * constants so that applications can refer to them.
 *
 * @param <B> the concrete builder
 * @since 0.1
 */
public abstract class EntityBuilder<B extends EntityBuilder<B>> {

  /** Default time a request waits for its reply: 30 seconds. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

  /** Default largest message (encoded payload) sent or accepted: 16 MiB. */
  public static final int DEFAULT_MAX_MESSAGE_SIZE = 16 * 1024 * 1024;

  /** Default largest frame; larger messages are split into fragments: 64 KiB. */
  public static final int DEFAULT_MAX_FRAME_SIZE = 64 * 1024;

  /** Default interval of keep-alive pings on an otherwise idle connection: 10 seconds. */
  public static final Duration DEFAULT_KEEP_ALIVE_INTERVAL = Duration.ofSeconds(10);

  /** Default silence after which the peer is taken for dead: 30 seconds. */
  public static final Duration DEFAULT_KEEP_ALIVE_TIMEOUT = Duration.ofSeconds(30);

  /** Default time a new connection has to complete its handshake: 10 seconds. */
  public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  /** Default bound on requests waiting for replies (per connection) or for a connection: 65536. */
  public static final int DEFAULT_MAX_IN_FLIGHT = 65536;

  /** Default bound on bytes queued for one connection and not yet taken by it: 64 MiB. */
  public static final long DEFAULT_MAX_QUEUED_BYTES = 64L * 1024 * 1024;

  /** Default time {@code close()} lets calls in flight finish: 5 seconds. */
  public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(5);

  final Connector connector;
  Serializer serializer = Serializer.defaultSerializer();
  Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
  int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
  int maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  Duration keepAliveInterval = DEFAULT_KEEP_ALIVE_INTERVAL;
  Duration keepAliveTimeout = DEFAULT_KEEP_ALIVE_TIMEOUT;
  Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
  int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
  long maxQueuedBytes = DEFAULT_MAX_QUEUED_BYTES;
  Scheduler blockingScheduler = Schedulers.boundedElastic();
  boolean failFast;
  Duration shutdownGrace = DEFAULT_SHUTDOWN_GRACE;
  final List<ClientInterceptor> clientInterceptors = new ArrayList<>();
  final List<ServerInterceptor> serverInterceptors = new ArrayList<>();
  final List<ConnectionListener> connectionListeners = new ArrayList<>();
  /** The routes of a route entity, filled by {@link RouteBuilding}; unused by simple entities. */
  final RouteTable routes = new RouteTable();
  /** The one handler of a simple entity, set by {@link SimpleBuilding}. */
  @Nullable Handler handler;

  EntityBuilder(Connector connector) {
    this.connector = requireNonNull(connector, "connector");
  }

  @SuppressWarnings("unchecked")
  final B self() {
    return (B) this;
  }

  /**
   * The serializer for everything this entity sends and receives. Default: {@link
   * Serializer#defaultSerializer()} (JSON when {@code communica-serializers} is on the class path).
   */
  public B serializer(Serializer serializer) {
    this.serializer = requireNonNull(serializer, "serializer");
    return self();
  }

  /** Default timeout of this entity's requests; each call may override it. Default 30 s. */
  public B requestTimeout(Duration timeout) {
    this.requestTimeout = positive(timeout, "timeout");
    return self();
  }

  /**
   * Largest encoded message this entity sends or accepts; the smaller of both peers' limits
   * applies. Default 16 MiB.
   */
  public B maxMessageSize(int bytes) {
    if (bytes <= 0) {
      throw new IllegalArgumentException("maxMessageSize must be positive: " + bytes);
    }
    this.maxMessageSize = bytes;
    return self();
  }

  /**
   * Largest frame this entity accepts; messages above it travel in fragments. At least 4096.
   * Default 64 KiB.
   */
  public B maxFrameSize(int bytes) {
    if (bytes < FrameHeader.MIN_FRAME_SIZE) {
      throw new IllegalArgumentException(
          "maxFrameSize must be at least " + FrameHeader.MIN_FRAME_SIZE + ": " + bytes);
    }
    this.maxFrameSize = bytes;
    return self();
  }

  /**
   * Keep-alive: a ping after {@code interval} without sending, and the connection closed as lost
   * after {@code timeout} without receiving (at least three of the peer's intervals). Defaults 10 s
   * and 30 s.
   */
  public B keepAlive(Duration interval, Duration timeout) {
    this.keepAliveInterval = positive(interval, "interval");
    this.keepAliveTimeout = positive(timeout, "timeout");
    if (timeout.compareTo(interval) <= 0) {
      throw new IllegalArgumentException("keep-alive timeout must be longer than the interval");
    }
    return self();
  }

  /** Time a new connection has to complete its handshake. Default 10 s. */
  public B handshakeTimeout(Duration timeout) {
    this.handshakeTimeout = positive(timeout, "timeout");
    return self();
  }

  /**
   * Bound on requests waiting for replies on one connection, and on requests waiting for a
   * connection; past it requests fail with {@link OverloadedException}. Default 65536.
   */
  public B maxInFlight(int requests) {
    if (requests <= 0) {
      throw new IllegalArgumentException("maxInFlight must be positive: " + requests);
    }
    this.maxInFlight = requests;
    return self();
  }

  /**
   * Bound on bytes queued for a connection that has not taken them yet (a slow peer, a full
   * socket); past it sends fail with {@link OverloadedException}. Default 64 MiB.
   */
  public B maxQueuedBytes(long bytes) {
    if (bytes <= 0) {
      throw new IllegalArgumentException("maxQueuedBytes must be positive: " + bytes);
    }
    this.maxQueuedBytes = bytes;
    return self();
  }

  /** Where {@link Handler#blocking} handlers run. Default Reactor's {@code boundedElastic}. */
  public B blockingScheduler(Scheduler scheduler) {
    this.blockingScheduler = requireNonNull(scheduler, "scheduler");
    return self();
  }

  /**
   * Whether calls fail at once with {@link ConnectionLostException}, naming the last connection
   * error, while there is no connection to send them on (a client not connected, a server without
   * the client asked for), instead of waiting for one within their timeout. Each call may override
   * it with {@link CallOptions#withFailFast}. Default {@code false}: calls wait.
   */
  public B failFast(boolean failFast) {
    this.failFast = failFast;
    return self();
  }

  /**
   * How long {@link Entity#close()} lets calls in flight finish. {@code close()} stops accepting
   * (a server stops listening, a client stops reconnecting) and tells every peer that this side is
   * shutting down, so that the peer sends no new calls and keeps reading replies; the handlers
   * running here may still answer, and the replies this side waits for may still arrive, for up
   * to this long. What is left then fails with {@link ConnectionLostException} ("... is shutting
   * down: ..."), here and at the peer at once, and {@code close()} returns. Zero closes at once.
   * Default 5 s.
   */
  public B shutdownGrace(Duration grace) {
    requireNonNull(grace, "grace");
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace must not be negative: " + grace);
    }
    this.shutdownGrace = grace;
    return self();
  }

  /** A simple entity's routes: its handler under the empty route, if it has one. */
  final Map<String, Handler> handlerRoutes() {
    Handler h = handler;
    return h == null ? Map.of() : Map.of("", h);
  }

  /**
   * Adds an interceptor of the calls this entity makes (requests and messages it sends); they run
   * in the order added. See {@link ClientInterceptor}. Default none.
   */
  public B interceptor(ClientInterceptor interceptor) {
    clientInterceptors.add(requireNonNull(interceptor, "interceptor"));
    return self();
  }

  /**
   * Adds an interceptor of the calls this entity serves (requests and messages its handlers
   * receive); they run in the order added. See {@link ServerInterceptor}. Default none.
   */
  public B interceptor(ServerInterceptor interceptor) {
    serverInterceptors.add(requireNonNull(interceptor, "interceptor"));
    return self();
  }

  /** Adds a listener of this entity's connections. See {@link ConnectionListener}. Default none. */
  public B connectionListener(ConnectionListener listener) {
    connectionListeners.add(requireNonNull(listener, "listener"));
    return self();
  }

  static Duration positive(Duration d, String name) {
    requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + d);
    }
    return d;
  }

  EntityConfig config(
      Map<String, Handler> routes,
      String clientId,
      byte[] credentials,
      Duration reconnectInitial,
      Duration reconnectMax,
      Duration connectTimeout,
      Authenticator authenticator) {
    return new EntityConfig(
        serializer,
        Map.copyOf(routes),
        requestTimeout,
        maxMessageSize,
        maxFrameSize,
        keepAliveInterval,
        keepAliveTimeout,
        handshakeTimeout,
        connectTimeout,
        maxInFlight,
        maxQueuedBytes,
        blockingScheduler,
        clientId,
        credentials,
        reconnectInitial,
        reconnectMax,
        authenticator,
        failFast,
        shutdownGrace,
        clientInterceptors.isEmpty() && serverInterceptors.isEmpty() && connectionListeners.isEmpty()
            ? Interception.NONE
            : new Interception(clientInterceptors, serverInterceptors, connectionListeners));
  }
}
