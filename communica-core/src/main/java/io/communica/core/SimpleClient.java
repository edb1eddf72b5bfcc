package io.communica.core;

import static java.util.Objects.requireNonNull;

import io.communica.core.internal.ClientCore;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A client with one operation pair: {@link #request} and {@link #fireAndForget} to the server's
 * single handler. It may also have a handler of its own, which the server can call.
 *
 * <pre>{@code
 * try (SimpleClient client = SimpleClient.builder(Connector.load("tcp://127.0.0.1:16161")).start()) {
 *   String reply = client.request("hello", String.class).block();
 *   client.fireAndForget("a log line").block();
 * }
 * }</pre>
 *
 * <p>Returned {@code Mono}s are cold: nothing is sent until they are subscribed. Replies are
 * delivered on the connection's I/O thread; do blocking work downstream with {@code
 * publishOn(Schedulers.boundedElastic())}.
 *
 * @since 0.1
 */
public final class SimpleClient extends ClientEntity<SimpleClient> {

  private SimpleClient(ClientCore core) {
    super(core);
  }

  /** A builder for a client connecting with {@code connector}. */
  public static Builder builder(Connector connector) {
    return new Builder(connector);
  }

  /** Sends {@code data} and decodes the reply into {@code replyType}, within the default timeout. */
  public <R> Mono<R> request(@Nullable Object data, Class<R> replyType) {
    return request(data, replyType, CallOptions.DEFAULT);
  }

  /** Sends {@code data} and decodes the reply into a generic type. */
  public <R> Mono<R> request(@Nullable Object data, TypeRef<R> replyType) {
    return request(data, replyType, CallOptions.DEFAULT);
  }

  /** Sends {@code data} and decodes the reply, with this call's own timeout. */
  public <R> Mono<R> request(@Nullable Object data, Class<R> replyType, Duration timeout) {
    return request(data, replyType, CallOptions.timeout(timeout));
  }

  /** Sends {@code data} and decodes the reply, with this call's own settings. */
  public <R> Mono<R> request(@Nullable Object data, Class<R> replyType, CallOptions options) {
    requireNonNull(replyType, "replyType");
    return send(null, "", data, replyType, options, null);
  }

  /** Sends {@code data} and decodes the reply into a generic type, with this call's settings. */
  public <R> Mono<R> request(@Nullable Object data, TypeRef<R> replyType, CallOptions options) {
    return send(null, "", data, replyType.type(), options, null);
  }

  /**
   * Sends {@code data} without waiting for an answer. The {@code Mono} completes when the
   * transport took the message (it fails if no connection comes within the request timeout).
   * Like every {@code Mono} of this library it is cold: nothing is sent until it is subscribed
   * ({@code .block()}, {@code .subscribe()}).
   */
  public Mono<Void> fireAndForget(@Nullable Object data) {
    return fireAndForget(data, CallOptions.DEFAULT);
  }

  /** Sends {@code data} without waiting for an answer, with this call's own settings. */
  public Mono<Void> fireAndForget(@Nullable Object data, CallOptions options) {
    return fire(null, "", data, options, null);
  }

  /**
   * Requests a stream of items from the server's stream handler; see {@link
   * RouteClient#requestStream(String, Object, Class)}.
   *
   * @since 0.2
   */
  public <I> Flux<I> requestStream(@Nullable Object data, Class<I> itemType) {
    return requestStream(data, itemType, CallOptions.DEFAULT);
  }

  /** Requests a stream of items with this call's own settings. */
  public <I> Flux<I> requestStream(@Nullable Object data, Class<I> itemType, CallOptions options) {
    requireNonNull(itemType, "itemType");
    return stream(null, "", data, itemType, options, null);
  }

  /**
   * Opens a channel to the server's channel handler; see {@link
   * RouteClient#requestChannel(String, Publisher, Class)}.
   *
   * @since 0.2
   */
  public <O> Flux<O> requestChannel(Publisher<?> input, Class<O> itemType) {
    return requestChannel(input, itemType, CallOptions.DEFAULT);
  }

  /** Opens a channel with this call's own settings. */
  public <O> Flux<O> requestChannel(Publisher<?> input, Class<O> itemType, CallOptions options) {
    requireNonNull(itemType, "itemType");
    return channel(null, "", input, itemType, options, null);
  }

  /** Builds a {@link SimpleClient}. */
  public static final class Builder extends ClientBuilder<Builder, SimpleClient>
      implements SimpleBuilding<Builder> {

    Builder(Connector connector) {
      super(connector);
    }

    @Override
    public SimpleClient build() {
      return new SimpleClient(new ClientCore(connector, clientConfig(handlerRoutes())));
    }
  }
}
