package io.communica.core;

import static java.util.Objects.requireNonNull;

import io.communica.core.internal.ServerCore;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A server with one handler for all requests and messages. It can also request its clients: any
 * connected one, or one by id.
 *
 * <pre>{@code
 * SimpleServer server = SimpleServer.builder(Connector.load("tcp://127.0.0.1:16161"))
 *     .handler(Handler.blocking(String.class, data -> "Thanks for your " + data + "!"))
 *     .start();
 * server.run(); // blocks until server.close()
 * }</pre>
 *
 * @since 0.1
 */
public final class SimpleServer extends ServerEntity<SimpleServer> {

  private SimpleServer(ServerCore core) {
    super(core);
  }

  /** A builder for a server listening with {@code connector}. */
  public static Builder builder(Connector connector) {
    return new Builder(connector);
  }

  /**
   * Requests any connected client (round robin), waiting for one to connect within the timeout.
   */
  public <R> Mono<R> request(@Nullable Object data, Class<R> replyType) {
    return request(data, replyType, CallOptions.DEFAULT);
  }

  /** Requests any connected client with this call's own timeout. */
  public <R> Mono<R> request(@Nullable Object data, Class<R> replyType, Duration timeout) {
    return request(data, replyType, CallOptions.timeout(timeout));
  }

  /** Requests any connected client with this call's own settings. */
  public <R> Mono<R> request(@Nullable Object data, Class<R> replyType, CallOptions options) {
    requireNonNull(replyType, "replyType");
    return send(null, "", data, replyType, options, null);
  }

  /**
   * Requests the client with id {@code clientId}, waiting within the timeout for it to connect if
   * it is not connected.
   */
  public <R> Mono<R> requestClient(String clientId, @Nullable Object data, Class<R> replyType) {
    return requestClient(clientId, data, replyType, CallOptions.DEFAULT);
  }

  /** Requests the client with id {@code clientId} with this call's own settings. */
  public <R> Mono<R> requestClient(
      String clientId, @Nullable Object data, Class<R> replyType, CallOptions options) {
    requireNonNull(clientId, "clientId");
    requireNonNull(replyType, "replyType");
    return send(clientId, "", data, replyType, options, null);
  }

  /** Sends a message to any connected client. */
  public Mono<Void> fireAndForget(@Nullable Object data) {
    return fireAndForget(data, CallOptions.DEFAULT);
  }

  /** Sends a message to any connected client with this call's own settings. */
  public Mono<Void> fireAndForget(@Nullable Object data, CallOptions options) {
    return fire(null, "", data, options, null);
  }

  /** Sends a message to the client with id {@code clientId}. */
  public Mono<Void> fireAndForgetClient(String clientId, @Nullable Object data) {
    return fireAndForgetClient(clientId, data, CallOptions.DEFAULT);
  }

  /** Sends a message to the client with id {@code clientId} with this call's own settings. */
  public Mono<Void> fireAndForgetClient(
      String clientId, @Nullable Object data, CallOptions options) {
    requireNonNull(clientId, "clientId");
    return fire(clientId, "", data, options, null);
  }

  /**
   * Requests a stream of items from any connected client's stream handler; see {@link
   * RouteClient#requestStream(String, Object, Class)}.
   *
   * @since 0.2
   */
  public <I> Flux<I> requestStream(@Nullable Object data, Class<I> itemType) {
    return requestStreamClient(null, data, itemType, CallOptions.DEFAULT);
  }

  /** Requests a stream of items from the client {@code clientId} (any when null). */
  public <I> Flux<I> requestStreamClient(
      @Nullable String clientId, @Nullable Object data, Class<I> itemType, CallOptions options) {
    requireNonNull(itemType, "itemType");
    return stream(clientId, "", data, itemType, options, null);
  }

  /** Opens a channel to any connected client's channel handler. */
  public <O> Flux<O> requestChannel(Publisher<?> input, Class<O> itemType) {
    return requestChannelClient(null, input, itemType, CallOptions.DEFAULT);
  }

  /** Opens a channel to the client {@code clientId} (any when null). */
  public <O> Flux<O> requestChannelClient(
      @Nullable String clientId, Publisher<?> input, Class<O> itemType, CallOptions options) {
    requireNonNull(itemType, "itemType");
    return channel(clientId, "", input, itemType, options, null);
  }

  /** Builds a {@link SimpleServer}. */
  public static final class Builder extends ServerBuilder<Builder, SimpleServer>
      implements SimpleBuilding<Builder> {

    Builder(Connector connector) {
      super(connector);
    }

    @Override
    public SimpleServer build() {
      return new SimpleServer(new ServerCore(connector, serverConfig(handlerRoutes())));
    }
  }
}
