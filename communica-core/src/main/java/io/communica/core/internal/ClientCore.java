package io.communica.core.internal;

import io.communica.core.ConnectionLostException;
import io.communica.core.Connector;
import io.communica.core.HandshakeRefusedException;
import io.communica.core.internal.session.CloseLog;
import io.communica.core.internal.session.Outbound;
import io.communica.core.internal.session.Requests;
import io.communica.core.internal.session.Session;
import io.communica.core.internal.session.Shutdown;
import io.communica.core.transport.Causes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * The client side of an entity: one connection at a time, reconnected with exponential backoff
 * and jitter, the same client id on every connection. Requests made while disconnected wait for
 * the next connection within their timeout.
 */
public final class ClientCore extends CoreBase {

  private static final Logger log = LoggerFactory.getLogger(ClientCore.class);

  private final Waiters waiters;
  /** Fail-fast calls made while the first connection attempt is under way. */
  private final Waiters failFastWaiters;
  /** Whether the last connection attempt failed or the connection was lost, and none is up. */
  private volatile boolean failing;
  private final Sinks.Many<Boolean> connectedState = Sinks.many().replay().latestOrDefault(false);
  private volatile @Nullable Session current;
  private volatile @Nullable String refusedReason;
  private volatile @Nullable String lastFailure;
  /** The resume token of the last connection, presented in the next HELLO. */
  private volatile byte[] resumeToken = new byte[0];
  private volatile boolean started;
  private final CloseLog closeLog = new CloseLog();
  /** Sessions whose server is shutting down, still delivering replies. */
  private final Set<Session> retired = ConcurrentHashMap.newKeySet();
  private int attempt;
  private @Nullable Disposable retry;

  public ClientCore(Connector connector, EntityConfig config) {
    super(connector, config);
    this.waiters = new Waiters(config.maxInFlight(), this::describeWait, () -> {});
    this.failFastWaiters = new Waiters(config.maxInFlight(), this::describeWait, () -> {});
  }

  /** A client has one target, its server: {@code clientId} is always null. */
  @Override
  Consumer<Outbound> target(@Nullable String clientId, boolean failFast) {
    return failFast ? this::dispatchFailFast : this::dispatch;
  }

  /**
   * Sends through the open connection. Without one it fails at once when the last attempt failed
   * (gRPC's fail-fast), and waits while the first attempt is still under way, failing when it does.
   */
  private void dispatchFailFast(Outbound o) {
    Session s = current;
    if (s != null && s.submit(o)) {
      return;
    }
    if (started && !closed && refusedReason == null) {
      if (failing) {
        o.fail(failFastError());
        return;
      }
      failFastWaiters.add(o);
      // the attempt may have failed, or a connection opened, while the item went in
      if (failing) {
        failFastWaiters.failAll(failFastError());
      }
      Session now = current;
      if (now != null && now.isOpen()) {
        failFastWaiters.flushTo(now);
      }
      return;
    }
    dispatch(o);
  }

  private ConnectionLostException failFastError() {
    return new ConnectionLostException(FailFast.message(describeWait()));
  }

  /** What a call waits for while disconnected, with the last connection error. */
  private String describeWait() {
    String last = lastFailure;
    return "connection to " + connector
        + (last != null ? " (last attempt: " + last + ")" : "");
  }

  /** The last reason a connection attempt failed or a connection was lost, if any. */
  public @Nullable String lastFailure() {
    return lastFailure;
  }

  @Override
  public Connector connector() {
    return connector;
  }

  @Override
  public synchronized void start() {
    if (closed) {
      throw new IllegalStateException("the client is closed");
    }
    if (started) {
      return;
    }
    started = true;
    connect();
  }

  public boolean isConnected() {
    Session s = current;
    return !closed && s != null && s.isOpen();
  }

  /** Completes when a connection is open (at once if one is). */
  public Mono<Void> connected() {
    return connectedState.asFlux().filter(Boolean::booleanValue).next().then();
  }

  private void connect() {
    synchronized (this) {
      retry = null;
      if (closed) {
        return;
      }
    }
    connector
        .connect(config.transportOptions(), conn -> Session.client(conn, config, routes, this))
        .subscribe(conn -> {}, this::reconnectLater);
  }

  private void reconnectLater(Throwable cause) {
    lastFailure = Causes.messages(cause);
    HandshakeRefusedException refusal = refusal(cause);
    if (refusal != null && refusedReason == null) {
      // refused by the transport (a TLS handshake), not by the server's session: the same verdict
      refusedReason = refusal.getMessage();
      waiters.failAll(refusal);
      failFastWaiters.failAll(refusal);
    }
    failing = true;
    failFastWaiters.failAll(failFastError());
    long delayMs;
    synchronized (this) {
      if (closed) {
        return;
      }
      long initial = config.reconnectInitial().toMillis();
      long max = config.reconnectMax().toMillis();
      long base = Math.min(max, initial << Math.min(attempt, 30));
      attempt++;
      // "equal jitter": half fixed, half random, so that many clients do not retry in step
      delayMs = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
      retry = Schedulers.parallel().schedule(this::connect, delayMs, TimeUnit.MILLISECONDS);
    }
    config.interception().reconnect(attempt);
    if (attempt == 1) {
      log.info("connection to {} failed or lost ({}); reconnecting", connector, cause.getMessage());
    }
    log.debug("reconnecting to {} in {} ms (attempt {})", connector, delayMs, attempt);
  }

  /** The refusal among the causes of a failed connection, if any. */
  private static @Nullable HandshakeRefusedException refusal(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof HandshakeRefusedException refused) {
        return refused;
      }
    }
    return null;
  }

  /** Sends through the open connection or waits for the next one. */
  public void dispatch(Outbound o) {
    Session s = current;
    if (s != null && s.submit(o)) {
      return;
    }
    if (closed) {
      o.fail(new ConnectionLostException("the client is closed"));
      return;
    }
    if (!started) {
      o.fail(new IllegalStateException("the client is not started: call start() first"));
      return;
    }
    String refused = refusedReason;
    if (refused != null) {
      o.fail(new HandshakeRefusedException(refused));
      return;
    }
    waiters.add(o);
    // a connection may have opened between the first look and the add: its onOpen flushed the
    // list before this item was in it
    s = current;
    if (s != null && s.isOpen()) {
      waiters.flushTo(s);
    }
  }

  @Override
  public CloseLog closeLog() {
    return closeLog;
  }

  @Override
  public void onOpen(Session session) {
    synchronized (this) {
      attempt = 0;
      current = session;
    }
    resumeToken = session.terms().resumeToken();
    refusedReason = null;
    failing = false;
    if (closed) {
      session.close("the client is closed");
      return;
    }
    config.interception().opened(session);
    log.debug("connected to {}", connector);
    emitState(true);
    failFastWaiters.flushTo(session);
    waiters.flushTo(session);
  }

  @Override
  public byte[] resumeToken() {
    return resumeToken.clone();
  }

  @Override
  public void onClose(Session session, Throwable cause) {
    boolean wasCurrent;
    synchronized (this) {
      wasCurrent = current == session;
      if (wasCurrent) {
        current = null;
      }
    }
    boolean wasRetired = retired.remove(session);
    if (wasCurrent) {
      emitState(false);
    }
    if (wasCurrent || wasRetired) {
      config.interception().closed(session, cause);
    }
    if (wasRetired) {
      // its server went away earlier, and reconnecting began then
      return;
    }
    reconnectLater(cause);
  }

  /**
   * The server shuts down: new calls wait for the next connection (to the server that takes its
   * place), which is sought at once; this one still delivers the replies of the calls in flight.
   */
  @Override
  public void onPeerGoingAway(Session session, String reason) {
    synchronized (this) {
      if (current != session) {
        return;
      }
      current = null;
      retired.add(session);
    }
    emitState(false);
    log.debug("the server at {} is shutting down: {}", connector, reason);
    reconnectLater(new ConnectionLostException("the server is going away: " + reason));
  }

  @Override
  public void onRefused(Session session, String reason) {
    refusedReason = reason;
    config.interception().refused(session, reason);
    waiters.failAll(new HandshakeRefusedException(reason));
    failFastWaiters.failAll(new HandshakeRefusedException(reason));
  }

  private synchronized void emitState(boolean up) {
    connectedState.tryEmitNext(up);
  }

  @Override
  public void close() {
    if (!markClosed()) {
      return;
    }
    waiters.failAll(new ConnectionLostException("the client is closed"));
    failFastWaiters.failAll(new ConnectionLostException("the client is closed"));
    // the connection, and any whose server is going away and which still await replies
    List<Session> sessions = new ArrayList<>(retired);
    Session s = current;
    if (s != null) {
      sessions.add(s);
    }
    Shutdown.drain(sessions, config.shutdownGrace(), "the client");
    synchronized (this) {
      connectedState.tryEmitComplete();
    }
    closedLatch.countDown();
  }

  /** Marks the client closed and stops reconnecting; false when it already was. */
  private synchronized boolean markClosed() {
    if (closed) {
      return false;
    }
    closed = true;
    if (retry != null) {
      retry.dispose();
    }
    return true;
  }

}
