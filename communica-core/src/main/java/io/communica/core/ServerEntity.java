package io.communica.core;

import io.communica.core.internal.ServerCore;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import reactor.core.publisher.Flux;

/**
 * What {@link SimpleServer} and {@link RouteServer} share: lifecycle and the connected clients.
 *
 * @param <S> the entity type, returned by {@link #start()}
 * @since 0.1
 */
public abstract sealed class ServerEntity<S extends ServerEntity<S>> implements AutoCloseable
    permits SimpleServer, RouteServer {

  final ServerCore core;

  ServerEntity(ServerCore core) {
    this.core = core;
  }

  @SuppressWarnings("unchecked")
  private S self() {
    return (S) this;
  }

  /**
   * Binds and starts accepting clients; returns once bound.
   *
   * @throws RuntimeException if binding fails, e.g. the address is in use
   */
  public S start() {
    core.start();
    return self();
  }

  /** Starts and blocks until {@link #close()} is called, for plain {@code main} programs. */
  public void run() throws InterruptedException {
    start();
    core.awaitClose();
  }

  /**
   * The connector clients use to reach this server. After {@link #start()} it is the bound address
   * (an ephemeral port 0 replaced by the real one), ready to {@link Connector#dump()} for a child
   * process.
   */
  public Connector connector() {
    return core.connector();
  }

  /** The clients connected now. */
  public List<ClientInfo> clients() {
    return core.clients();
  }

  /** The ids of the clients connected now. */
  public Set<String> clientIds() {
    return core.clients().stream().map(ClientInfo::clientId).collect(Collectors.toSet());
  }

  /**
   * Clients connecting and disconnecting, from subscription on (hot; events before subscribing
   * are not replayed: use {@link #clients()} for the current set).
   */
  public Flux<ClientEvent> events() {
    return core.events();
  }

  /**
   * Stops accepting, closes every client connection (telling each client), and fails requests
   * still waiting with {@link ConnectionLostException}. Idempotent.
   */
  @Override
  public void close() {
    core.close();
  }
}
