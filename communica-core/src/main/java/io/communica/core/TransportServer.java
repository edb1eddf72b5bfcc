package io.communica.core;

import reactor.core.publisher.Mono;

/**
 * A transport bound and accepting connections.
 *
 * @since 0.1
 */
public interface TransportServer {

  /**
   * The connector clients use to reach this server: the bound one with what binding resolved (an
   * ephemeral port replaced by the real one), ready to {@link Connector#dump()}.
   */
  Connector connector();

  /** Stops accepting and releases the address (a socket file is removed). Open connections stay. */
  void close();

  /**
   * Completes when the server has closed; errors when it ended on its own and no client can
   * connect any more (a stdio child that exited), which fails the entity's requests that wait for
   * a client, and later ones, at once with that error's message.
   */
  Mono<Void> onClose();
}
