package io.communica.core;

import io.communica.core.internal.CoreBase;
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

  private void addRoute(RouteTable checked) {
    for (Map.Entry<String, Handler> e : checked.routes().entrySet()) {
      core().addRoute(e.getKey(), e.getValue());
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
