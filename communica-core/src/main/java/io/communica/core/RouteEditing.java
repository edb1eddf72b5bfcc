package io.communica.core;

import static java.util.Objects.requireNonNull;

import io.communica.core.internal.CoreBase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Changing the routes of a running {@link RouteServer} or {@link RouteClient}. A request already
 * dispatched finishes on the handler it was given; requests arriving after a change see it.
 */
interface RouteEditing {

  private CoreBase core() {
    return ((Entity<?>) this).core();
  }

  /**
   * Adds a handler for {@code route}, also while the entity runs.
   *
   * @throws IllegalArgumentException if the route already has a handler
   */
  default void addRoute(String route, Handler handler) {
    addRoute(new RouteTable().route(route, handler));
  }

  /**
   * Adds a handler for a typed route, also while the entity runs.
   *
   * @throws IllegalArgumentException if the route already has a handler or the types differ
   */
  default void addRoute(Route<?, ?> route, Handler handler) {
    addRoute(new RouteTable().route(route, handler));
  }

  /**
   * Adds a handler for a typed stream route, also while the entity runs.
   *
   * @throws IllegalArgumentException if the route already has a handler or the types differ
   * @since 0.2
   */
  default void addRoute(StreamRoute<?, ?> route, Handler handler) {
    addRoute(new RouteTable().route(route, handler));
  }

  /**
   * Adds a handler for a typed channel route, also while the entity runs.
   *
   * @throws IllegalArgumentException if the route already has a handler or the types differ
   * @since 0.2
   */
  default void addRoute(ChannelRoute<?, ?> route, Handler handler) {
    addRoute(new RouteTable().route(route, handler));
  }

  /**
   * Exposes an implementation of an interface: each of its methods becomes a route that {@link
   * RouteClient#proxy} (or {@link RouteServer#proxy}) calls, named {@code SimpleName.method}
   * ({@code Calculator.add}) unless {@link RouteName} gives another, also while the entity runs.
   *
   * <pre>{@code
   * server.expose(Calculator.class, (a, b) -> a + b);
   * }</pre>
   *
   * <p>Methods returning {@code Mono} or {@code CompletableFuture} (or {@code CompletionStage}) are
   * called on the I/O thread and must not block; all others may block and run on the blocking
   * scheduler, like {@link Handler#blocking}. A method returning {@code Flux} (or {@code
   * Publisher}) is a stream route, like {@link Handler#stream}: called on the I/O thread, its
   * {@code Flux} is asked for items as the caller grants credits and cancelled when the caller
   * cancels; an error it signals after some items reaches the caller after them. The arguments
   * arrive decoded into the parameters' generic types (a validating serializer checks each one
   * against its parameter's constraints first). An exception of a type in the method's {@code
   * throws} clause reaches the caller as that type; communica's own exceptions as themselves;
   * anything else as {@link HandlerFailedException} (and is logged here). Default methods and
   * {@code equals}, {@code hashCode}, {@code toString} are not exposed. Remove a route with {@link
   * #removeRoute}.
   *
   * @return the routes added, in order
   * @throws IllegalArgumentException if {@code type} is not an interface, has overloaded methods
   *     without {@link RouteName}, a method taking a stream ({@code Flux} parameter: not
   *     supported), or a route that already has a handler; nothing is added then
   * @since 0.1
   */
  default <T> List<String> expose(Class<T> type, T impl) {
    requireNonNull(type, "type");
    requireNonNull(impl, "impl");
    RouteTable table = new RouteTable().expose(type, impl);
    addRoute(table);
    return List.copyOf(table.routes().keySet());
  }

  /** Adds every route of a table, or none when one of them already has a handler. */
  private void addRoute(RouteTable checked) {
    List<String> added = new ArrayList<>();
    try {
      for (Map.Entry<String, Handler> e : checked.routes().entrySet()) {
        core().addRoute(e.getKey(), e.getValue());
        added.add(e.getKey());
      }
    } catch (RuntimeException e) {
      added.forEach(core()::removeRoute);
      throw e;
    }
  }

  /**
   * Removes the handler of {@code route}: requests already dispatched finish on it, later ones
   * fail with {@link RequestException} of code {@link RequestException#UNKNOWN_ROUTE}.
   *
   * @return whether the route had a handler
   */
  default boolean removeRoute(String route) {
    return core().removeRoute(route);
  }

  /** Removes the handler of a typed route; see {@link #removeRoute(String)}. */
  default boolean removeRoute(Route<?, ?> route) {
    return removeRoute(route.name());
  }
}
