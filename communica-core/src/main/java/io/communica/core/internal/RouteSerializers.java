package io.communica.core.internal;

import io.communica.core.Serializer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * communica's rule that one route name goes with one serializer on each side: the first use of a
 * route (a request, a message, or a handler of the entity) fixes its serializer, and a later use
 * with another serializer is refused before anything is sent.
 */
final class RouteSerializers {

  private final Serializer defaultSerializer;
  private final Map<String, Serializer> fixed = new ConcurrentHashMap<>();

  RouteSerializers(EntityConfig config) {
    this.defaultSerializer = config.serializer();
    for (var e : config.routes().entrySet()) {
      Serializer s = e.getValue().serializer();
      fixed.put(e.getKey(), s != null ? s : defaultSerializer);
    }
  }

  /**
   * The serializer to use for {@code route}: {@code declared}, or the entity's when null.
   *
   * @throws IllegalStateException if the route was used with another serializer
   */
  Serializer resolve(String route, @Nullable Serializer declared) {
    Serializer s = declared != null ? declared : defaultSerializer;
    Serializer previous = fixed.get(route);
    if (previous == null) {
      if (fixed.size() < 10_000) {
        previous = fixed.putIfAbsent(route, s);
      }
      if (previous == null) {
        return s;
      }
    }
    if (!same(previous, s)) {
      throw new IllegalStateException(
          "route '" + route + "' is used with the " + previous.name() + " serializer ("
              + previous + ") on this side and cannot also use " + s
              + ": one route, one serializer");
    }
    return s;
  }

  /** Serializers are the same when they are equal (see {@link Serializer#equals}). */
  private static boolean same(Serializer a, Serializer b) {
    return a == b || a.equals(b);
  }
}
