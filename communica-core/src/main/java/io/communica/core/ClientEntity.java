package io.communica.core;

import io.communica.core.internal.ClientCore;
import java.time.Duration;
import reactor.core.publisher.Mono;

/**
 * What {@link SimpleClient} and {@link RouteClient} share: lifecycle and connection state.
 *
 * @param <S> the entity type, returned by {@link #start()}
 * @since 0.1
 */
public abstract sealed class ClientEntity<S extends ClientEntity<S>> extends Entity<S>
    permits SimpleClient, RouteClient {

  final ClientCore core;

  ClientEntity(ClientCore core) {
    super(core);
    this.core = core;
  }

  /**
   * Starts, then blocks until the first connection is up.
   *
   * @throws RequestTimeoutException if no connection came up within {@code timeout}; the message
   *     names the address and the last connection error, and the client is closed
   * @throws ConnectionLostException if the client was closed while waiting
   */
  public S startAndAwait(Duration timeout) {
    EntityBuilder.positive(timeout, "timeout");
    start();
    Boolean up = connected().thenReturn(true).timeout(timeout, Mono.just(false)).block();
    if (Boolean.TRUE.equals(up) && isConnected()) {
      return self();
    }
    if (isClosed()) {
      throw new ConnectionLostException("the client was closed while waiting for its connection");
    }
    String last = core.lastFailure();
    close();
    throw new RequestTimeoutException(
        "no connection to " + connector() + " within " + timeout.toMillis() + " ms"
            + (last != null ? " (last error: " + last + ")" : "")
            + "; the client is closed");
  }

  /** Completes when a connection is up: at once if one is, else when the next one is. */
  public Mono<Void> connected() {
    return core.connected();
  }

  /** Whether a connection is up now; false once {@link #close()} was called. */
  public boolean isConnected() {
    return core.isConnected();
  }

  /** The id the server knows this client by. */
  public String clientId() {
    return core.config().clientId();
  }
}
