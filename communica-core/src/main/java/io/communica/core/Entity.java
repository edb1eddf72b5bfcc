package io.communica.core;

import io.communica.core.internal.EntityCore;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What every entity shares: starting, running from a plain {@code main}, closing.
 *
 * @param <S> the entity type, returned by {@link #start()}
 */
abstract class Entity<S extends Entity<S>> implements AutoCloseable {

  private final EntityCore core;
  private final AtomicBoolean running = new AtomicBoolean();

  Entity(EntityCore core) {
    this.core = core;
  }

  final EntityCore core() {
    return core;
  }

  @SuppressWarnings("unchecked")
  final S self() {
    return (S) this;
  }

  /**
   * Starts and returns at once: a server once it is bound, a client while it connects.
   *
   * @throws IllegalStateException if the entity was closed
   */
  public S start() {
    core.start();
    return self();
  }

  /**
   * Starts and blocks until {@link #close()} is called (from another thread or a handler), for
   * plain {@code main} programs.
   *
   * @throws IllegalStateException at once if {@code run()} is already blocking for this entity, or
   *     if the entity was closed
   */
  public void run() throws InterruptedException {
    if (!running.compareAndSet(false, true)) {
      throw new IllegalStateException(
          this + " is already running: run() blocks until close(); call it once");
    }
    start();
    core.awaitClose();
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return core.isClosed();
  }

  /**
   * The connector of this entity: a client's server address; for a server, after {@link #start()},
   * the bound address (an ephemeral port 0 replaced by the real one), ready to {@link
   * Connector#dump()} for a child process.
   */
  public Connector connector() {
    return core.connector();
  }

  /**
   * Closes every connection (telling each peer) and stops; calls still waiting fail with {@link
   * ConnectionLostException}. Once it has returned, every state query says closed. Idempotent.
   */
  @Override
  public void close() {
    core.close();
  }

  /** A call's timeout: its own, else the entity's. */
  final Duration timeout(CallOptions options) {
    return CallOptions.check(options).timeoutOr(core.config().requestTimeout());
  }

  /** A call's fail-fast setting: its own, else the entity's. */
  final boolean failFast(CallOptions options) {
    return options.failFastOr(core.config().failFast());
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + core.connector() + "]";
  }
}
