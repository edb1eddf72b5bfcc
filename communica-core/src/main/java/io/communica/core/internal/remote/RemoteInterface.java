package io.communica.core.internal.remote;

import io.communica.core.Handler;
import io.communica.core.RouteName;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * An interface as a set of routes: each abstract method (its own or inherited) is one route,
 * {@code SimpleName.method} unless {@link RouteName} gives another. Default methods and {@code
 * equals}, {@code hashCode}, {@code toString} stay local. Built once per interface and cached.
 *
 * @param <T> the interface
 */
public final class RemoteInterface<T> {

  private static final ClassValue<RemoteInterface<?>> CACHE =
      new ClassValue<>() {
        @Override
        protected RemoteInterface<?> computeValue(Class<?> type) {
          return new RemoteInterface<>(type);
        }
      };

  private final Class<T> type;
  /** One per route, sorted by route. */
  private final List<RemoteMethod> methods;
  /** Every abstract method object (a signature inherited twice has two) to its route. */
  private final Map<Method, RemoteMethod> byMethod;

  private RemoteInterface(Class<T> type) {
    if (!type.isInterface() || type.isAnnotation()) {
      throw new IllegalArgumentException(
          type.getName() + " is not an interface: only interfaces are exposed and proxied");
    }
    this.type = type;
    Map<String, List<Method>> bySignature = new TreeMap<>();
    for (Method m : type.getMethods()) {
      if (!Modifier.isStatic(m.getModifiers()) && !m.isDefault() && !isObjectMethod(m)) {
        bySignature.computeIfAbsent(signature(m), k -> new ArrayList<>()).add(m);
      }
    }
    refuseOverloads(type, bySignature);
    List<RemoteMethod> list = new ArrayList<>();
    Map<Method, RemoteMethod> index = new HashMap<>();
    Map<String, RemoteMethod> byRoute = new HashMap<>();
    for (List<Method> same : bySignature.values()) {
      RemoteMethod rm = RemoteMethod.of(type, same.get(0));
      RemoteMethod clash = byRoute.putIfAbsent(rm.route, rm);
      if (clash != null) {
        throw new IllegalArgumentException(
            type.getSimpleName() + ": " + RemoteMethod.display(clash.method) + " and "
                + RemoteMethod.display(rm.method) + " both have the route '" + rm.route + "'");
      }
      list.add(rm);
      same.forEach(m -> index.put(m, rm));
    }
    list.sort(Comparator.comparing(rm -> rm.route));
    this.methods = List.copyOf(list);
    this.byMethod = Map.copyOf(index);
  }

  /**
   * The routes of {@code type}.
   *
   * @throws IllegalArgumentException if it is not an interface, has overloaded methods without
   *     route names, two methods on one route, or a method whose types cannot be called remotely
   *     (a stream parameter, a type variable, a {@code Future} other than {@code
   *     CompletableFuture}); the message names the methods
   */
  @SuppressWarnings("unchecked")
  public static <T> RemoteInterface<T> of(Class<T> type) {
    return (RemoteInterface<T>) CACHE.get(type);
  }

  /** A proxy whose calls go through {@code caller}; {@code description} is its toString. */
  public T proxy(Caller caller, String description) {
    Object proxy =
        Proxy.newProxyInstance(
            type.getClassLoader(),
            new Class<?>[] {type},
            new ProxyHandler(byMethod, caller, description));
    return type.cast(proxy);
  }

  /** A handler per route, calling {@code impl}; in route order. */
  public Map<String, Handler> handlers(T impl) {
    if (!type.isInstance(impl)) {
      throw new IllegalArgumentException(impl.getClass().getName() + " is not a " + type.getName());
    }
    Map<String, Handler> handlers = new LinkedHashMap<>();
    for (RemoteMethod rm : methods) {
      handlers.put(rm.route, rm.handler(impl));
    }
    return handlers;
  }

  private static void refuseOverloads(Class<?> type, Map<String, List<Method>> bySignature) {
    Map<String, List<Method>> byName = new TreeMap<>();
    for (List<Method> same : bySignature.values()) {
      Method m = same.get(0);
      if (!m.isAnnotationPresent(RouteName.class)) {
        byName.computeIfAbsent(m.getName(), k -> new ArrayList<>()).add(m);
      }
    }
    String overloaded =
        byName.values().stream()
            .filter(ms -> ms.size() > 1)
            .flatMap(List::stream)
            .map(RemoteMethod::display)
            .collect(Collectors.joining(", "));
    if (!overloaded.isEmpty()) {
      throw new IllegalArgumentException(
          type.getSimpleName() + " has overloaded methods without route names: " + overloaded
              + "; give each its own route with @RouteName(\"...\")");
    }
  }

  private static String signature(Method m) {
    return m.getName() + Arrays.toString(m.getParameterTypes());
  }

  static boolean isObjectMethod(Method m) {
    return switch (m.getName()) {
      case "equals" -> m.getParameterCount() == 1 && m.getParameterTypes()[0] == Object.class;
      case "hashCode", "toString" -> m.getParameterCount() == 0;
      default -> false;
    };
  }
}
