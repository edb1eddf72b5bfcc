package io.communica.core.internal;

import io.communica.core.Connector;
import io.communica.core.Serializer;
import io.communica.core.internal.session.Outbound;
import io.communica.core.internal.session.Requests;
import io.communica.core.internal.session.Routes;
import io.communica.core.internal.session.SessionOwner;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/** What the client and server cores share: configuration, handlers and the closed state. */
public abstract class CoreBase implements SessionOwner, EntityCore {

  final Connector connector;
  final EntityConfig config;
  final Routes routes;
  final RouteSerializers serializers;
  final CountDownLatch closedLatch = new CountDownLatch(1);
  volatile boolean closed;

  CoreBase(Connector connector, EntityConfig config) {
    this.connector = connector;
    this.config = config;
    this.routes = new Routes(config.routes(), config.serializer());
    this.serializers = new RouteSerializers(config);
  }

  /** Where a call goes: the server, a client by id, or any client when {@code clientId} is null. */
  abstract Consumer<Outbound> target(@Nullable String clientId, boolean failFast);

  /**
   * A request to {@code route} of {@code clientId} (a server's client; null for a client's server or
   * a server's any client); {@code serializer} null means the entity's.
   */
  public final <T> Mono<T> request(
      @Nullable String clientId,
      String route,
      @Nullable Object data,
      Type replyType,
      Duration timeout,
      boolean failFast,
      @Nullable Serializer serializer,
      Map<String, String> metadata) {
    return Requests.request(
        config, target(clientId, failFast), route, data, replyType, timeout,
        serializers.resolve(route, serializer), metadata);
  }

  /** A fire-and-forget message to {@code route}; see {@link #request}. */
  public final Mono<Void> fire(
      @Nullable String clientId,
      String route,
      @Nullable Object data,
      Duration timeout,
      boolean failFast,
      @Nullable Serializer serializer,
      Map<String, String> metadata) {
    return Requests.fire(
        config, target(clientId, failFast), route, data, timeout,
        serializers.resolve(route, serializer), metadata);
  }

  @Override
  public final Routes routes() {
    return routes;
  }

  @Override
  public final EntityConfig config() {
    return config;
  }

  @Override
  public final boolean isClosed() {
    return closed;
  }

  @Override
  public final void awaitClose() throws InterruptedException {
    closedLatch.await();
  }
}
