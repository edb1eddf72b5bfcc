package io.communica.core;

import static java.util.Objects.requireNonNull;

import io.communica.core.internal.CoreBase;
import io.communica.core.internal.Interfaces;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * What every entity shares: starting, running from a plain {@code main}, closing.
 *
 * @param <S> the entity type, returned by {@link #start()}
 */
abstract class Entity<S extends Entity<S>> implements AutoCloseable {

  private final CoreBase core;
  private final AtomicBoolean running = new AtomicBoolean();

  Entity(CoreBase core) {
    this.core = core;
  }

  final CoreBase core() {
    return core;
  }

  @SuppressWarnings("unchecked")
  final S self() {
    return (S) this;
  }

  /**
   * Starts and returns at once. A server returns once it is bound (a {@code RuntimeException} if
   * binding fails, e.g. the address is in use); a client starts connecting, and its calls made
   * before the connection is up wait for it within their timeout (or fail at once when
   * fail-fast); it reconnects with backoff whenever the connection drops.
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
   * Shuts down gracefully and stops: a server stops accepting, a client stops reconnecting; every
   * peer is told that this side is shutting down, so it sends no new calls; calls in flight (the
   * handlers running here, the replies this side waits for) may finish within the {@linkplain
   * EntityBuilder#shutdownGrace shutdown grace period} (5 s by default); what is left then fails
   * with {@link ConnectionLostException} ("... is shutting down: ..."), here and at the peer, whose
   * calls never wait for their timeouts. Calls made after {@code close()} began, and calls waiting
   * for a connection, fail at once. Once it has returned, every state query says closed. Called from
   * a handler or an event loop, it does not wait: the connections drain on their own. Idempotent.
   */
  @Override
  public void close() {
    core.close();
  }

  /**
   * The one place every request method goes through: to the client {@code clientId} of a server,
   * or, when null, to a client's server or any client of a server.
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

  /** The one place every fire-and-forget method goes through; see {@link #send}. */
  final Mono<Void> fire(
      @Nullable String clientId,
      String route,
      @Nullable Object data,
      CallOptions options,
      @Nullable Serializer serializer) {
    return core.fire(
        clientId, route, data, timeout(options), failFast(options), serializer, options.metadata());
  }

  /** The one place every stream method goes through; see {@link #send}. */
  final <R> Flux<R> stream(
      @Nullable String clientId,
      String route,
      @Nullable Object data,
      Type itemType,
      CallOptions options,
      @Nullable Serializer serializer) {
    return core.requestStream(
        clientId, route, data, itemType, timeout(options), idle(options), options.streamWindow(),
        failFast(options), serializer, options.metadata());
  }

  /** The one place every channel method goes through; see {@link #send}. */
  final <R> Flux<R> channel(
      @Nullable String clientId,
      String route,
      Publisher<?> input,
      Type itemType,
      CallOptions options,
      @Nullable Serializer serializer) {
    requireNonNull(input, "input");
    return core.requestChannel(
        clientId, route, input, itemType, timeout(options), idle(options), options.streamWindow(),
        failFast(options), serializer, options.metadata());
  }

  private static Duration idle(CallOptions options) {
    Duration idle = options.idleTimeout();
    return idle != null ? idle : Duration.ZERO;
  }

  /** The one place proxies are made: calls to {@code clientId} as {@link #send} makes them. */
  final <T> T proxy(Class<T> type, @Nullable String clientId, CallOptions options, String target) {
    requireNonNull(type, "type");
    CallOptions.check(options);
    return Interfaces.proxy(
        core, type, clientId, timeout(options), idle(options), options.streamWindow(),
        failFast(options), options.metadata(),
        type.getSimpleName() + " proxy of " + target);
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
