package io.communica.core.internal;

import io.communica.core.Handler;
import io.communica.core.internal.remote.Arguments;
import io.communica.core.internal.remote.Caller;
import io.communica.core.internal.remote.RemoteInterface;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Interfaces called remotely, for the entities: the handlers of an implementation, and proxies. */
public final class Interfaces {

  private Interfaces() {}

  /** A handler per method of {@code type}, by route, each calling {@code impl}. */
  public static <T> Map<String, Handler> handlers(Class<T> type, T impl) {
    return RemoteInterface.of(type).handlers(impl);
  }

  /**
   * A proxy of {@code type} whose calls go from {@code core} to {@code clientId} (a server's
   * client; null for a client's server or any client of a server), with the given call settings
   * (the idle timeout and window apply to methods returning a stream).
   */
  public static <T> T proxy(
      CoreBase core,
      Class<T> type,
      @Nullable String clientId,
      Duration timeout,
      Duration idleTimeout,
      int streamWindow,
      boolean failFast,
      Map<String, String> metadata,
      String description) {
    RemoteInterface<T> model = RemoteInterface.of(type);
    Caller caller =
        new Caller() {
          @Override
          public Mono<Object> request(String route, Arguments data, Type replyType) {
            return core.request(
                clientId, route, data, replyType, timeout, failFast, null, metadata);
          }

          @Override
          public Mono<Void> fire(String route, Arguments data) {
            return core.fire(clientId, route, data, timeout, failFast, null, metadata);
          }

          @Override
          public Flux<Object> stream(String route, Arguments data, Type itemType) {
            return core.requestStream(
                clientId, route, data, itemType, timeout, idleTimeout, streamWindow, failFast, null,
                metadata);
          }
        };
    return model.proxy(caller, description);
  }
}
