package io.communica.core;

import io.communica.core.internal.ClientCore;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import reactor.core.publisher.Mono;

/**
 * What {@link SimpleClient} and {@link RouteClient} share: lifecycle and connection state.
 *
 * @param <S> the entity type, returned by {@link #start()}
 * @since 0.1
 */
public abstract sealed class ClientEntity<S extends ClientEntity<S>> implements AutoCloseable
    permits SimpleClient, RouteClient {

  final ClientCore core;
  private final CountDownLatch closed = new CountDownLatch(1);

  ClientEntity(ClientCore core) {
    this.core = core;
  }

  @SuppressWarnings("unchecked")
  private S self() {
    return (S) this;
  }

  /**
   * Starts connecting and returns at once. Requests made before the connection is up wait for it
   * within their timeout; the client reconnects with backoff whenever the connection drops.
   */
  public S start() {
    core.start();
    return self();
  }

  /** Starts, then blocks until the first connection is up. */
  public S startAndAwait(Duration timeout) {
    start();
    connected().block(timeout);
    return self();
  }

  /** Starts and blocks until {@link #close()} is called, for plain {@code main} programs. */
  public void run() throws InterruptedException {
    start();
    closed.await();
  }

  /** Completes when a connection is up: at once if one is, else when the next one is. */
  public Mono<Void> connected() {
    return core.connected();
  }

  /** Whether a connection is up now. */
  public boolean isConnected() {
    return core.isConnected();
  }

  /** The id the server knows this client by. */
  public String clientId() {
    return core.config().clientId();
  }

  /** The connector this client connects with. */
  public Connector connector() {
    return core.connector();
  }

  /**
   * Closes the connection (telling the server) and stops reconnecting. Requests still waiting fail
   * with {@link ConnectionLostException}. Idempotent.
   */
  @Override
  public void close() {
    core.close();
    closed.countDown();
  }

  Duration defaultTimeout() {
    return core.config().requestTimeout();
  }
}
