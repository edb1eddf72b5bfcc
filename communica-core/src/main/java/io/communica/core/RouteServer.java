package io.communica.core;

import static java.util.Objects.requireNonNull;

import io.communica.core.internal.ServerCore;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A server with a handler per route. It can also request routes of its clients.
 *
 * <pre>{@code
 * RouteServer server = RouteServer.builder(connector)
 *     .route("add", Handler.blocking(AddRequest.class, r -> new AddReply(r.a() + r.b())))
 *     .route("log", Handler.consumer(String.class, System.out::println))
 *     .start();
 * }</pre>
 *
 * @since 0.1
 */
public final class RouteServer extends ServerEntity<RouteServer> implements RouteEditing {

  private RouteServer(ServerCore core) {
    super(core);
  }

  /** A builder for a server listening with {@code connector}. */
  public static Builder builder(Connector connector) {
    return new Builder(connector);
  }

  /** Requests {@code route} of any connected client, waiting for one within the timeout. */
  public <R> Mono<R> request(String route, @Nullable Object data, Class<R> replyType) {
    return request(route, data, replyType, CallOptions.DEFAULT);
  }

  /** Requests {@code route} of any connected client with this call's own timeout. */
  public <R> Mono<R> request(
      String route, @Nullable Object data, Class<R> replyType, Duration timeout) {
    return request(route, data, replyType, CallOptions.timeout(timeout));
  }

  /** Requests {@code route} of any connected client with this call's own settings. */
  public <R> Mono<R> request(
      String route, @Nullable Object data, Class<R> replyType, CallOptions options) {
    return requestClient(null, route, data, replyType, options);
  }

  /** Requests a typed route of any connected client. */
  public <Q, R> Mono<R> request(Route<Q, R> route, @Nullable Q data) {
    return request(route, data, CallOptions.DEFAULT);
  }

  /** Requests a typed route of any connected client with this call's own settings. */
  public <Q, R> Mono<R> request(Route<Q, R> route, @Nullable Q data, CallOptions options) {
    return requestClient(null, route, data, options);
  }

  /** Requests {@code route} of the client with id {@code clientId}. */
  public <R> Mono<R> requestClient(
      String clientId, String route, @Nullable Object data, Class<R> replyType) {
    requireNonNull(clientId, "clientId");
    return requestClient(clientId, route, data, replyType, CallOptions.DEFAULT);
  }

  /**
   * Requests {@code route} of the client with id {@code clientId} (of any client when null) with
   * this call's own settings.
   */
  public <R> Mono<R> requestClient(
      @Nullable String clientId,
      String route,
      @Nullable Object data,
      Class<R> replyType,
      CallOptions options) {
    requireNonNull(route, "route");
    requireNonNull(replyType, "replyType");
    return send(clientId, route, data, replyType, options, null);
  }

  /** Requests a typed route of the client with id {@code clientId}. */
  public <Q, R> Mono<R> requestClient(String clientId, Route<Q, R> route, @Nullable Q data) {
    requireNonNull(clientId, "clientId");
    return requestClient(clientId, route, data, CallOptions.DEFAULT);
  }

  /**
   * Requests a typed route of the client with id {@code clientId} (of any client when null) with
   * this call's own settings.
   */
  public <Q, R> Mono<R> requestClient(
      @Nullable String clientId, Route<Q, R> route, @Nullable Q data, CallOptions options) {
    requireNonNull(route, "route");
    return send(clientId, route.name(), data, route.replyType(), options, route.serializer());
  }

  /** Sends a message to {@code route} of any connected client. */
  public Mono<Void> fireAndForget(String route, @Nullable Object data) {
    return fireAndForgetClient(null, route, data, CallOptions.DEFAULT);
  }

  /** Sends a message to {@code route} of any connected client with this call's own settings. */
  public Mono<Void> fireAndForget(String route, @Nullable Object data, CallOptions options) {
    return fireAndForgetClient(null, route, data, options);
  }

  /** Sends a message to {@code route} of the client with id {@code clientId}. */
  public Mono<Void> fireAndForgetClient(String clientId, String route, @Nullable Object data) {
    requireNonNull(clientId, "clientId");
    return fireAndForgetClient(clientId, route, data, CallOptions.DEFAULT);
  }

  /**
   * Sends a message to {@code route} of the client with id {@code clientId} (of any client when
   * null) with this call's own settings.
   */
  public Mono<Void> fireAndForgetClient(
      @Nullable String clientId, String route, @Nullable Object data, CallOptions options) {
    requireNonNull(route, "route");
    return fire(clientId, route, data, options, null);
  }

  /**
   * Requests a stream of items from {@code route} of any connected client; see {@link
   * RouteClient#requestStream(String, Object, Class)}.
   *
   * @since 0.2
   */
  public <I> Flux<I> requestStream(String route, @Nullable Object data, Class<I> itemType) {
    return requestStreamClient(null, route, data, itemType, CallOptions.DEFAULT);
  }

  /**
   * Requests a stream of items from {@code route} of the client with id {@code clientId} (of any
   * client when null) with this call's own settings.
   *
   * @since 0.2
   */
  public <I> Flux<I> requestStreamClient(
      @Nullable String clientId,
      String route,
      @Nullable Object data,
      Class<I> itemType,
      CallOptions options) {
    requireNonNull(route, "route");
    requireNonNull(itemType, "itemType");
    return stream(clientId, route, data, itemType, options, null);
  }

  /** Requests a stream from a typed stream route of any connected client. */
  public <Q, I> Flux<I> requestStream(StreamRoute<Q, I> route, @Nullable Q data) {
    return requestStreamClient(null, route, data, CallOptions.DEFAULT);
  }

  /** Requests a stream from a typed stream route of the client {@code clientId} (any when null). */
  public <Q, I> Flux<I> requestStreamClient(
      @Nullable String clientId, StreamRoute<Q, I> route, @Nullable Q data, CallOptions options) {
    requireNonNull(route, "route");
    return stream(clientId, route.name(), data, route.itemType(), options, route.serializer());
  }

  /**
   * Opens a channel to {@code route} of any connected client; see {@link
   * RouteClient#requestChannel(String, Publisher, Class)}.
   *
   * @since 0.2
   */
  public <O> Flux<O> requestChannel(String route, Publisher<?> input, Class<O> itemType) {
    return requestChannelClient(null, route, input, itemType, CallOptions.DEFAULT);
  }

  /** Opens a channel to {@code route} of the client {@code clientId} (any when null). */
  public <O> Flux<O> requestChannelClient(
      @Nullable String clientId,
      String route,
      Publisher<?> input,
      Class<O> itemType,
      CallOptions options) {
    requireNonNull(route, "route");
    requireNonNull(itemType, "itemType");
    return channel(clientId, route, input, itemType, options, null);
  }

  /** Opens a channel to a typed channel route of any connected client. */
  public <I, O> Flux<O> requestChannel(ChannelRoute<I, O> route, Publisher<? extends I> input) {
    return requestChannelClient(null, route, input, CallOptions.DEFAULT);
  }

  /** Opens a channel to a typed channel route of the client {@code clientId} (any when null). */
  public <I, O> Flux<O> requestChannelClient(
      @Nullable String clientId,
      ChannelRoute<I, O> route,
      Publisher<? extends I> input,
      CallOptions options) {
    requireNonNull(route, "route");
    return channel(clientId, route.name(), input, route.outType(), options, route.serializer());
  }

  /**
   * A local object whose methods call the implementation of {@code type} that the client {@code
   * clientId} exposed ({@code client.expose(type, impl)}), waiting within the timeout for that
   * client to connect; see {@link RouteClient#proxy(Class)} for how methods are called.
   *
   * @throws IllegalArgumentException if {@code type} cannot be called remotely
   * @since 0.1
   */
  public <T> T proxy(Class<T> type, String clientId) {
    requireNonNull(clientId, "clientId");
    return proxy(type, clientId, CallOptions.DEFAULT);
  }

  /**
   * A proxy of {@code type} calling the client {@code clientId} (any connected client, round
   * robin, when null) with {@code options} in place of the entity's settings.
   *
   * @since 0.1
   */
  public <T> T proxy(Class<T> type, @Nullable String clientId, CallOptions options) {
    return proxy(
        type, clientId, options, clientId == null ? "any client of " + this : "client '" + clientId + "' of " + this);
  }

  /** Builds a {@link RouteServer}. */
  public static final class Builder extends ServerBuilder<Builder, RouteServer>
      implements RouteBuilding<Builder> {
    Builder(Connector connector) {
      super(connector);
    }

    @Override
    public RouteServer build() {
      return new RouteServer(new ServerCore(connector, serverConfig(routes.routes())));
    }
  }
}
