package io.communica.core;

import static java.util.Objects.requireNonNull;

import io.communica.core.internal.ServerCore;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
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
public final class RouteServer extends ServerEntity<RouteServer> {

  private RouteServer(ServerCore core) {
    super(core);
  }

  /** A builder for a server listening with {@code connector}. */
  public static Builder builder(Connector connector) {
    return new Builder(connector);
  }

  /** Requests {@code route} of any connected client, waiting for one within the timeout. */
  public <R> Mono<R> request(String route, @Nullable Object data, Class<R> replyType) {
    return request(route, data, replyType, core.config().requestTimeout());
  }

  /** Requests {@code route} of any connected client with this call's own timeout. */
  public <R> Mono<R> request(
      String route, @Nullable Object data, Class<R> replyType, Duration timeout) {
    requireNonNull(route, "route");
    requireNonNull(replyType, "replyType");
    return core.request(
        null, route, data, replyType, EntityBuilder.positive(timeout, "timeout"), null);
  }

  /** Requests a typed route of any connected client. */
  public <Q, R> Mono<R> request(Route<Q, R> route, @Nullable Q data) {
    requireNonNull(route, "route");
    return core.request(
        null, route.name(), data, route.replyType(), core.config().requestTimeout(),
        route.serializer());
  }

  /** Requests {@code route} of the client with id {@code clientId}. */
  public <R> Mono<R> requestClient(
      String clientId, String route, @Nullable Object data, Class<R> replyType) {
    requireNonNull(clientId, "clientId");
    requireNonNull(route, "route");
    requireNonNull(replyType, "replyType");
    return core.request(clientId, route, data, replyType, core.config().requestTimeout(), null);
  }

  /** Requests a typed route of the client with id {@code clientId}. */
  public <Q, R> Mono<R> requestClient(String clientId, Route<Q, R> route, @Nullable Q data) {
    requireNonNull(clientId, "clientId");
    requireNonNull(route, "route");
    return core.request(
        clientId, route.name(), data, route.replyType(), core.config().requestTimeout(),
        route.serializer());
  }

  /** Sends a message to {@code route} of any connected client. */
  public Mono<Void> fireAndForget(String route, @Nullable Object data) {
    requireNonNull(route, "route");
    return core.fire(null, route, data, null);
  }

  /** Sends a message to {@code route} of the client with id {@code clientId}. */
  public Mono<Void> fireAndForgetClient(String clientId, String route, @Nullable Object data) {
    requireNonNull(clientId, "clientId");
    requireNonNull(route, "route");
    return core.fire(clientId, route, data, null);
  }

  /** Builds a {@link RouteServer}. */
  public static final class Builder extends ServerBuilder<Builder> {
    private final RouteTable routes = new RouteTable();

    Builder(Connector connector) {
      super(connector);
    }

    /** Adds a handler for {@code route}. */
    public Builder route(String route, Handler handler) {
      routes.route(route, handler);
      return this;
    }

    /** Adds a handler for a typed route, e.g. {@code route(ADD, ADD.blocking(...))}. */
    public Builder route(Route<?, ?> route, Handler handler) {
      routes.route(route, handler);
      return this;
    }

    /** Adds every route of a table (a duplicate is an error). */
    public Builder routes(RouteTable table) {
      routes.join(table);
      return this;
    }

    /** The server, not yet started. */
    public RouteServer build() {
      return new RouteServer(new ServerCore(connector, serverConfig(routes.routes())));
    }

    /** Builds and {@link RouteServer#start() starts} the server. */
    public RouteServer start() {
      return build().start();
    }
  }
}
