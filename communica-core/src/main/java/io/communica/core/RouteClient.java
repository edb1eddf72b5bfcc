package io.communica.core;

import static java.util.Objects.requireNonNull;

import io.communica.core.internal.ClientCore;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A client whose requests and messages name a route, answered by the server's handler for that
 * route. It may have routes of its own, which the server can call.
 *
 * <pre>{@code
 * RouteClient client = RouteClient.builder(connector).start();
 * Mono<AddReply> sum = client.request("add", new AddRequest(2, 3), AddReply.class);
 * client.fireAndForget("log", "started").subscribe();
 * }</pre>
 *
 * <p>A route the server does not have fails with {@link RequestException} of code {@link
 * RequestException#UNKNOWN_ROUTE}.
 *
 * @since 0.1
 */
public final class RouteClient extends ClientEntity<RouteClient> implements RouteEditing {

  private RouteClient(ClientCore core) {
    super(core);
  }

  /** A builder for a client connecting with {@code connector}. */
  public static Builder builder(Connector connector) {
    return new Builder(connector);
  }

  /** Requests {@code route} with {@code data}, within the default timeout. */
  public <R> Mono<R> request(String route, @Nullable Object data, Class<R> replyType) {
    return request(route, data, replyType, CallOptions.DEFAULT);
  }

  /** Requests {@code route}, decoding the reply into a generic type. */
  public <R> Mono<R> request(String route, @Nullable Object data, TypeRef<R> replyType) {
    return request(route, data, replyType, CallOptions.DEFAULT);
  }

  /** Requests {@code route} with this call's own timeout. */
  public <R> Mono<R> request(
      String route, @Nullable Object data, Class<R> replyType, Duration timeout) {
    return request(route, data, replyType, CallOptions.timeout(timeout));
  }

  /** Requests {@code route} with this call's own settings. */
  public <R> Mono<R> request(
      String route, @Nullable Object data, Class<R> replyType, CallOptions options) {
    requireNonNull(route, "route");
    requireNonNull(replyType, "replyType");
    return send(null, route, data, replyType, options, null);
  }

  /** Requests {@code route}, decoding the reply into a generic type, with this call's settings. */
  public <R> Mono<R> request(
      String route, @Nullable Object data, TypeRef<R> replyType, CallOptions options) {
    requireNonNull(route, "route");
    return send(null, route, data, replyType.type(), options, null);
  }

  /** Requests a typed route: the compiler checks the data and the reply type. */
  public <Q, R> Mono<R> request(Route<Q, R> route, @Nullable Q data) {
    return request(route, data, CallOptions.DEFAULT);
  }

  /** Requests a typed route with this call's own timeout. */
  public <Q, R> Mono<R> request(Route<Q, R> route, @Nullable Q data, Duration timeout) {
    return request(route, data, CallOptions.timeout(timeout));
  }

  /** Requests a typed route with this call's own settings. */
  public <Q, R> Mono<R> request(Route<Q, R> route, @Nullable Q data, CallOptions options) {
    requireNonNull(route, "route");
    return send(null, route.name(), data, route.replyType(), options, route.serializer());
  }

  /** Sends {@code data} to {@code route} without waiting for an answer. */
  public Mono<Void> fireAndForget(String route, @Nullable Object data) {
    return fireAndForget(route, data, CallOptions.DEFAULT);
  }

  /** Sends {@code data} to {@code route} without waiting for an answer, with this call's settings. */
  public Mono<Void> fireAndForget(String route, @Nullable Object data, CallOptions options) {
    requireNonNull(route, "route");
    return fire(null, route, data, options, null);
  }

  /** Sends {@code data} to a typed route without waiting for an answer. */
  public <Q> Mono<Void> fireAndForget(Route<Q, ?> route, @Nullable Q data) {
    return fireAndForget(route, data, CallOptions.DEFAULT);
  }

  /** Sends {@code data} to a typed route without waiting for an answer, with this call's settings. */
  public <Q> Mono<Void> fireAndForget(Route<Q, ?> route, @Nullable Q data, CallOptions options) {
    requireNonNull(route, "route");
    return fire(null, route.name(), data, options, route.serializer());
  }

  /**
   * Requests a stream of items from {@code route}: the server's stream handler answers with any
   * number of items, sent as this {@code Flux}'s subscriber requests them (credits cross the wire;
   * see {@link CallOptions#withStreamWindow}). Cancelling the {@code Flux} cancels the handler's
   * publisher. The first item (or the completion) must come within the request timeout; later
   * items have no time limit unless {@link CallOptions#withIdleTimeout} sets one. A lost
   * connection ends the {@code Flux} with {@link ConnectionLostException} after the items
   * received; the handler's errors arrive after the items sent before them, as for requests.
   *
   * @since 0.2
   */
  public <I> Flux<I> requestStream(String route, @Nullable Object data, Class<I> itemType) {
    return requestStream(route, data, itemType, CallOptions.DEFAULT);
  }

  /** Requests a stream of items from {@code route} with this call's own settings. */
  public <I> Flux<I> requestStream(
      String route, @Nullable Object data, Class<I> itemType, CallOptions options) {
    requireNonNull(route, "route");
    requireNonNull(itemType, "itemType");
    return stream(null, route, data, itemType, options, null);
  }

  /** Requests a stream of items of a generic type from {@code route}. */
  public <I> Flux<I> requestStream(
      String route, @Nullable Object data, TypeRef<I> itemType, CallOptions options) {
    requireNonNull(route, "route");
    return stream(null, route, data, itemType.type(), options, null);
  }

  /** Requests a stream from a typed stream route: the compiler checks request and items. */
  public <Q, I> Flux<I> requestStream(StreamRoute<Q, I> route, @Nullable Q data) {
    return requestStream(route, data, CallOptions.DEFAULT);
  }

  /** Requests a stream from a typed stream route with this call's own settings. */
  public <Q, I> Flux<I> requestStream(
      StreamRoute<Q, I> route, @Nullable Q data, CallOptions options) {
    requireNonNull(route, "route");
    return stream(null, route.name(), data, route.itemType(), options, route.serializer());
  }

  /**
   * Opens a channel to {@code route}: {@code input}'s items go to the server's channel handler,
   * subscribed when the channel opens and asked for items as the handler requests them; the
   * handler's items come back in this {@code Flux}. Either direction may complete first (the other
   * goes on); an error of either side, or cancelling this {@code Flux}, ends both.
   *
   * @since 0.2
   */
  public <O> Flux<O> requestChannel(String route, Publisher<?> input, Class<O> itemType) {
    return requestChannel(route, input, itemType, CallOptions.DEFAULT);
  }

  /** Opens a channel to {@code route} with this call's own settings. */
  public <O> Flux<O> requestChannel(
      String route, Publisher<?> input, Class<O> itemType, CallOptions options) {
    requireNonNull(route, "route");
    requireNonNull(itemType, "itemType");
    return channel(null, route, input, itemType, options, null);
  }

  /** Opens a channel to a typed channel route: the compiler checks the items both ways. */
  public <I, O> Flux<O> requestChannel(ChannelRoute<I, O> route, Publisher<? extends I> input) {
    return requestChannel(route, input, CallOptions.DEFAULT);
  }

  /** Opens a channel to a typed channel route with this call's own settings. */
  public <I, O> Flux<O> requestChannel(
      ChannelRoute<I, O> route, Publisher<? extends I> input, CallOptions options) {
    requireNonNull(route, "route");
    return channel(null, route.name(), input, route.outType(), options, route.serializer());
  }

  /**
   * A local object whose methods call the server's implementation of {@code type} (see {@link
   * RouteServer#expose}), as socpipe's {@code ApiClient} does for Python functions:
   *
   * <pre>{@code
   * interface Calculator { int add(int a, int b); }
   *
   * Calculator calc = client.proxy(Calculator.class);
   * int three = calc.add(1, 2);   // a request to route "Calculator.add"
   * }</pre>
   *
   * <p>The return type decides the interaction:
   *
   * <ul>
   *   <li>{@code Mono<T>}: a request, sent when subscribed (cold, like every {@code Mono} of
   *       communica);
   *   <li>{@code CompletableFuture<T>} (or {@code CompletionStage<T>}): a request, sent at once;
   *   <li>any other type: a request, the call blocks for the reply within the entity's timeout
   *       (or the one of {@link #proxy(Class, CallOptions)}); {@code void} waits for the
   *       implementation to return;
   *   <li>{@link OneWay @OneWay} {@code void} (or {@code Mono<Void>}, {@code
   *       CompletableFuture<Void>}): fire-and-forget, done once the transport took the message;
   *   <li>{@code Flux<T>} (or {@code Publisher<T>}): a stream, as {@link #requestStream}, sent
   *       when subscribed (cold): the subscriber's demand becomes credits across the wire,
   *       cancelling it cancels the implementation's {@code Flux}, and an error after some items
   *       arrives after them as for a {@code Mono} method; the timeout bounds the wait for the
   *       first item, {@link CallOptions} give an idle timeout and the window. A peer without
   *       streams fails it as {@code requestStream} fails.
   * </ul>
   *
   * <p>A parameter cannot be a {@code Flux} (or any {@code Publisher}): the arguments are one
   * message, so such a method is refused here; use {@link #requestChannel} for items in both
   * directions.
   *
   * <p>The arguments travel as one message, an array in declaration order, and are decoded on the
   * other side into the parameters' generic types ({@code List<Point>} arrives as such). An
   * exception of a type in the method's {@code throws} clause thrown by the implementation is
   * thrown here as that type, built through its public {@code (String)} constructor (with the
   * {@link HandlerFailedException} as its cause); no other type is ever built from what the peer
   * sends. communica's own errors arrive as themselves, anything else as {@link
   * HandlerFailedException}. {@code toString}, {@code equals}, {@code hashCode} and default methods
   * run locally. The proxy is thread-safe; blocking methods must not be called on an I/O thread.
   *
   * @throws IllegalArgumentException if {@code type} is not an interface, has overloaded methods
   *     without {@link RouteName}, or a method that cannot be called remotely; the message names
   *     the methods
   * @since 0.1
   */
  public <T> T proxy(Class<T> type) {
    return proxy(type, CallOptions.DEFAULT);
  }

  /**
   * A proxy of {@code type} whose calls use {@code options} (timeout, fail-fast, metadata; idle
   * timeout and window for methods returning {@code Flux}) in place of the entity's; see {@link
   * #proxy(Class)}.
   *
   * @since 0.1
   */
  public <T> T proxy(Class<T> type, CallOptions options) {
    return proxy(type, null, options, toString());
  }

  /** Builds a {@link RouteClient}. */
  public static final class Builder extends ClientBuilder<Builder, RouteClient>
      implements RouteBuilding<Builder> {
    Builder(Connector connector) {
      super(connector);
    }

    @Override
    public RouteClient build() {
      return new RouteClient(new ClientCore(connector, clientConfig(routes.routes())));
    }
  }
}
