package io.communica.core.internal.session;

import io.communica.core.Handler;
import io.communica.core.Serializer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The handlers of an entity, changeable while it runs. Lookups read an immutable {@link
 * RouteIndex} that each change replaces whole (copy on write): a request takes its handler from the
 * index current when it arrives and finishes on it, whatever changes after.
 */
public final class Routes {

  private final Serializer defaultSerializer;
  /** Guarded by this; the source of every index. */
  private final Map<String, Handler> handlers;
  private volatile RouteIndex index;

  public Routes(Map<String, Handler> handlers, Serializer defaultSerializer) {
    this.defaultSerializer = defaultSerializer;
    this.handlers = new LinkedHashMap<>(handlers);
    this.index = new RouteIndex(this.handlers, defaultSerializer);
  }

  /** The index in force now. */
  RouteIndex index() {
    return index;
  }

  /**
   * Adds a handler for {@code route}; requests arriving from now on are handled by it.
   *
   * @throws IllegalArgumentException if the route already has a handler
   */
  public synchronized void add(String route, Handler handler) {
    RouteIndex.utf8(route);
    if (handlers.putIfAbsent(route, handler) != null) {
      throw new IllegalArgumentException("route '" + route + "' already has a handler");
    }
    index = new RouteIndex(handlers, defaultSerializer);
  }

  /**
   * Removes the handler of {@code route}: requests already dispatched finish on it, later ones get
   * the unknown-route error. Returns whether the route had a handler.
   */
  public synchronized boolean remove(String route) {
    if (handlers.remove(route) == null) {
      return false;
    }
    index = new RouteIndex(handlers, defaultSerializer);
    return true;
  }
}
