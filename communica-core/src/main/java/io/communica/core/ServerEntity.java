package io.communica.core;

import io.communica.core.internal.ServerCore;
import java.util.List;
import java.util.Set;
import reactor.core.publisher.Flux;

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
    return core.clientIds();
  }

  /**
   * Clients connecting and disconnecting, from subscription on (hot; events before subscribing
   * are not replayed: use {@link #clients()} for the current set).
   */
  public Flux<ClientEvent> events() {
    return core.events();
  }
}
