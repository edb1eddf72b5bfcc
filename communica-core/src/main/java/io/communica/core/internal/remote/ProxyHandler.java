package io.communica.core.internal.remote;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The proxy's calls: remote for the interface's routes, local for the rest. */
final class ProxyHandler implements InvocationHandler {

  private final Map<Method, RemoteMethod> methods;
  private final Caller caller;
  private final String description;

  ProxyHandler(Map<Method, RemoteMethod> methods, Caller caller, String description) {
    this.methods = methods;
    this.caller = caller;
    this.description = description;
  }

  @Override
  public @Nullable Object invoke(Object proxy, Method method, @Nullable Object @Nullable [] args)
      throws Throwable {
    RemoteMethod remote = methods.get(method);
    if (remote != null) {
      return remote.call(caller, args);
    }
    if (RemoteInterface.isObjectMethod(method)) {
      return switch (method.getName()) {
        case "equals" -> args != null && proxy == args[0];
        case "hashCode" -> System.identityHashCode(proxy);
        default -> description;
      };
    }
    if (method.isDefault()) {
      return InvocationHandler.invokeDefault(proxy, method, args);
    }
    throw new UnsupportedOperationException(method + " is not a method of " + description);
  }
}
