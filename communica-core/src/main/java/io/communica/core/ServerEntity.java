package io.communica.core;

import io.communica.core.internal.ServerCore;
import java.lang.reflect.Type;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * What {@link SimpleServer} and {@link RouteServer} share: lifecycle and the connected clients.
 *
 * @param <S> the entity type, returned by {@link #start()}
 * @since 0.1
 */
public abstract sealed class ServerEntity<S extends ServerEntity<S>> extends Entity<S>
    permits SimpleServer, RouteServer {

  final ServerCore core;

  ServerEntity(ServerCore core) {
    super(core);
    this.core = core;
  }

  /** The clients connected now; empty once {@link #close()} was called. */
  public List<ClientInfo> clients() {
    return core.clients();
  }

  /** The ids of the clients connected now. */
  public Set<String> clientIds() {
    return clients().stream().map(ClientInfo::clientId).collect(Collectors.toSet());
  }

  /**
   * Clients connecting and disconnecting, from subscription on (hot; events before subscribing
   * are not replayed: use {@link #clients()} for the current set).
   */
  public Flux<ClientEvent> events() {
    return core.events();
  }

  /**
   * The one place every request method of a server goes through; {@code clientId} null asks any
   * connected client.
   */
  final <R> Mono<R> send(
      @Nullable String clientId,
      String route,
      @Nullable Object data,
      Type replyType,
      CallOptions options,
      @Nullable Serializer serializer) {
    return core.request(
        clientId, route, data, replyType, timeout(options), failFast(options), serializer,
        options.metadata());
  }

  /** The one place every fire-and-forget method of a server goes through. */
  final Mono<Void> fire(
      @Nullable String clientId,
      String route,
      @Nullable Object data,
      CallOptions options,
      @Nullable Serializer serializer) {
    return core.fire(
        clientId, route, data, timeout(options), failFast(options), serializer,
        options.metadata());
  }
}
