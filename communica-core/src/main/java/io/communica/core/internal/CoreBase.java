package io.communica.core.internal;

import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.Serializer;
import io.communica.core.internal.session.Outbound;
import io.communica.core.internal.session.Requests;
import io.communica.core.internal.session.StreamRequests;
import io.communica.core.internal.session.Routes;
import io.communica.core.internal.session.SessionOwner;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An entity's engine, what the entity classes call: the client and server cores share
 * configuration, handlers, the closed state and the one path of requests and messages.
 */
public abstract class CoreBase implements SessionOwner {

  final Connector connector;
  final EntityConfig config;
  final Routes routes;
  final RouteSerializers serializers;
  final CountDownLatch closedLatch = new CountDownLatch(1);
  volatile boolean closed;

  CoreBase(Connector connector, EntityConfig config) {
    this.connector = connector;
    this.config = config;
    this.routes = new Routes(config.routes(), config.serializer());
    this.serializers = new RouteSerializers(config);
  }

  /** Where a call goes: the server, a client by id, or any client when {@code clientId} is null. */
  abstract Consumer<Outbound> target(@Nullable String clientId, boolean failFast);

  /**
   * A request to {@code route} of {@code clientId} (a server's client; null for a client's server
   * or a server's any client); {@code serializer} null means the entity's.
   */
  public final <T> Mono<T> request(
      @Nullable String clientId,
      String route,
      @Nullable Object data,
      Type replyType,
      Duration timeout,
      boolean failFast,
      @Nullable Serializer serializer,
      Map<String, String> metadata) {
    return Requests.request(
        config, target(clientId, failFast), route, data, replyType, timeout,
        serializers.resolve(route, serializer), metadata);
  }

  /** A fire-and-forget message to {@code route}; see {@link #request}. */
  public final Mono<Void> fire(
      @Nullable String clientId,
      String route,
      @Nullable Object data,
      Duration timeout,
      boolean failFast,
      @Nullable Serializer serializer,
      Map<String, String> metadata) {
    return Requests.fire(
        config, target(clientId, failFast), route, data, timeout,
        serializers.resolve(route, serializer), metadata);
  }

  /** A stream from {@code route}; see {@link #request}. */
  public final <T> Flux<T> requestStream(
      @Nullable String clientId,
      String route,
      @Nullable Object data,
      Type itemType,
      Duration timeout,
      Duration idleTimeout,
      int window,
      boolean failFast,
      @Nullable Serializer serializer,
      Map<String, String> metadata) {
    return StreamRequests.stream(
        config, target(clientId, failFast), route, data, itemType,
        new StreamRequests.Terms(timeout, idleTimeout, window),
        serializers.resolve(route, serializer), metadata);
  }

  /** A channel to {@code route}; see {@link #request}. */
  public final <T> Flux<T> requestChannel(
      @Nullable String clientId,
      String route,
      Publisher<?> input,
      Type itemType,
      Duration timeout,
      Duration idleTimeout,
      int window,
      boolean failFast,
      @Nullable Serializer serializer,
      Map<String, String> metadata) {
    return StreamRequests.channel(
        config, target(clientId, failFast), route, input, itemType,
        new StreamRequests.Terms(timeout, idleTimeout, window),
        serializers.resolve(route, serializer), metadata);
  }

  /** The connector: a server's bound one once started. */
  public abstract Connector connector();

  /** Starts connecting or listening; idempotent while running. */
  public abstract void start();

  /** Closes; idempotent. Once it returned, every state query says closed. */
  public abstract void close();

  /** Adds a handler while the entity runs; see {@link Routes#add}. */
  public final void addRoute(String route, Handler handler) {
    routes.add(route, handler);
  }

  /** Removes a handler while the entity runs; see {@link Routes#remove}. */
  public final boolean removeRoute(String route) {
    return routes.remove(route);
  }

  /** The entity's handlers, changeable while it runs. */
  public final Routes routes() {
    return routes;
  }

  public final EntityConfig config() {
    return config;
  }

  public final boolean isClosed() {
    return closed;
  }

  /** Blocks until {@link #close()} was called. */
  public final void awaitClose() throws InterruptedException {
    closedLatch.await();
  }
}
