package io.communica.core;

import static java.util.Objects.requireNonNull;

import io.communica.core.internal.Interfaces;
import java.lang.reflect.Type;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Handlers keyed by exact route string, for {@link RouteServer} and {@link RouteClient}. A table
 * can be filled in one place (a module of an application) and joined into another:
 *
 * <pre>{@code
 * RouteTable billing = new RouteTable()
 *     .route("invoice.create", Handler.blocking(Invoice.class, billingService::create));
 * RouteTable all = new RouteTable()
 *     .route("ping", Handler.nonBlocking(String.class, s -> "pong"))
 *     .join(billing);
 * }</pre>
 *
 * <p>Adding a route twice, or joining a table that has a route this one already has, is an error
 * unless {@link #joinOverriding} is used. Not thread-safe: fill it before building an entity, which
 * takes a copy.
 *
 * @since 0.1
 */
public final class RouteTable {

  private final Map<String, Handler> routes = new LinkedHashMap<>();

  /** An empty table. */
  public RouteTable() {}

  /**
   * Adds a handler for a route.
   *
   * @throws IllegalArgumentException if the route already has a handler
   */
  public RouteTable route(String route, Handler handler) {
    requireNonNull(route, "route");
    requireNonNull(handler, "handler");
    if (routes.putIfAbsent(route, handler) != null) {
      throw new IllegalArgumentException("route '" + route + "' already has a handler");
    }
    return this;
  }

  /**
   * Adds a handler for a typed route; the handler must decode the route's request type (make it
   * with the route's own factory methods, e.g. {@code ADD.blocking(...)}).
   *
   * @throws IllegalArgumentException if the route already has a handler or the types differ
   */
  public RouteTable route(Route<?, ?> route, Handler handler) {
    requireNonNull(route, "route");
    return typed(route.name(), route, route.requestType(), route.serializer(), handler);
  }

  /**
   * Adds a handler for a typed stream route (make it with {@code route.handler(...)}).
   *
   * @throws IllegalArgumentException if the route already has a handler or the types differ
   * @since 0.2
   */
  public RouteTable route(StreamRoute<?, ?> route, Handler handler) {
    requireNonNull(route, "route");
    return typed(route.name(), route, route.requestType(), route.serializer(), handler);
  }

  /**
   * Adds a handler for a typed channel route (make it with {@code route.handler(...)}).
   *
   * @throws IllegalArgumentException if the route already has a handler or the types differ
   * @since 0.2
   */
  public RouteTable route(ChannelRoute<?, ?> route, Handler handler) {
    requireNonNull(route, "route");
    return typed(route.name(), route, route.inType(), route.serializer(), handler);
  }

  private RouteTable typed(
      String name, Object route, Type decoded, @Nullable Serializer declared, Handler handler) {
    requireNonNull(handler, "handler");
    if (!handler.requestType().equals(decoded)) {
      throw new IllegalArgumentException(
          "handler decodes " + handler.requestType().getTypeName() + " but " + route
              + " carries " + decoded.getTypeName());
    }
    if (declared != null) {
      if (handler.serializer() == null) {
        handler = handler.withSerializer(declared);
      } else if (handler.serializer() != declared) {
        throw new IllegalArgumentException(
            "handler uses " + handler.serializer() + " but " + route + " declares " + declared);
      }
    }
    return route(name, handler);
  }

  /**
   * Adds a route per method of the interface {@code type}, each calling {@code impl}; see {@link
   * RouteServer#expose} for the routes' names and how the methods are called.
   *
   * @throws IllegalArgumentException if the interface cannot be exposed (the message names the
   *     methods) or a route already has a handler; nothing is added then
   * @since 0.1
   */
  public <T> RouteTable expose(Class<T> type, T impl) {
    requireNonNull(type, "type");
    requireNonNull(impl, "impl");
    RouteTable exposed = new RouteTable();
    Interfaces.handlers(type, impl).forEach(exposed::route);
    return join(exposed);
  }

  /**
   * Adds every route of {@code other}.
   *
   * @throws IllegalArgumentException naming the routes both tables have; nothing is added then
   */
  public RouteTable join(RouteTable other) {
    requireNonNull(other, "other");
    var clash = other.routes.keySet().stream().filter(routes::containsKey).sorted().toList();
    if (!clash.isEmpty()) {
      throw new IllegalArgumentException(
          "cannot join route tables: both have handlers for " + clash
              + " (use joinOverriding to let the joined table win)");
    }
    routes.putAll(other.routes);
    return this;
  }

  /** Adds every route of {@code other}, replacing this table's handler where both have one. */
  public RouteTable joinOverriding(RouteTable other) {
    requireNonNull(other, "other");
    routes.putAll(other.routes);
    return this;
  }

  /** The routes, in the order added. */
  public Map<String, Handler> routes() {
    return Collections.unmodifiableMap(routes);
  }

  /** An independent copy. */
  public RouteTable copy() {
    RouteTable copy = new RouteTable();
    copy.routes.putAll(routes);
    return copy;
  }

  @Override
  public String toString() {
    return "RouteTable" + routes.keySet();
  }
}
