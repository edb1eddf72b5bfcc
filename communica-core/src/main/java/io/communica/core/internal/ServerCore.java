package io.communica.core.internal;

import io.communica.core.ClientEvent;
import io.communica.core.ClientInfo;
import io.communica.core.ConnectionLostException;
import io.communica.core.Connector;
import io.communica.core.internal.session.CloseLog;
import io.communica.core.internal.session.Outbound;
import io.communica.core.internal.session.Session;
import io.communica.core.internal.session.Shutdown;
import io.communica.core.transport.Causes;
import io.communica.core.TransportServer;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * The server side of an entity: the bound transport, the connected clients by id, and the lists of
 * requests waiting for a client to connect.
 */
public final class ServerCore extends CoreBase {

  private static final Logger log = LoggerFactory.getLogger(ServerCore.class);
  private static final Duration BIND_TIMEOUT = Duration.ofSeconds(30);

  private final Map<String, Session> clients = new ConcurrentHashMap<>();
  private final List<Session> open = new CopyOnWriteArrayList<>();
  /** Sessions of clients that are shutting down, still delivering replies until they close. */
  private final Set<Session> retired = ConcurrentHashMap.newKeySet();
  /** Sessions whose handshake finished after close(): closed at once, never reported open. */
  private final Set<Session> neverOpened = ConcurrentHashMap.newKeySet();
  private final AtomicInteger roundRobin = new AtomicInteger();
  private final Waiters anyWaiters;
  private final Map<String, Waiters> byIdWaiters = new ConcurrentHashMap<>();
  private final Sinks.Many<ClientEvent> events = Sinks.many().multicast().directBestEffort();
  private final CloseLog closeLog = new CloseLog();
  private volatile @Nullable TransportServer transport;
  /** Why no client can connect any more (the transport ended on its own), or null. */
  private volatile @Nullable String ended;

  public ServerCore(Connector connector, EntityConfig config) {
    super(connector, config);
    this.anyWaiters = new Waiters(config.maxInFlight(), () -> "client connected", () -> {});
  }

  @Override
  java.util.function.Consumer<Outbound> target(@Nullable String clientId, boolean failFast) {
    if (clientId == null) {
      return failFast ? this::dispatchAnyFailFast : this::dispatchAny;
    }
    return failFast ? o -> dispatchToFailFast(clientId, o) : o -> dispatchTo(clientId, o);
  }

  private void dispatchAnyFailFast(Outbound o) {
    if (transport != null && !closed && open.isEmpty()) {
      o.fail(new ConnectionLostException(FailFast.message("client connected")));
      return;
    }
    dispatchAny(o);
  }

  private void dispatchToFailFast(String clientId, Outbound o) {
    Session s = clients.get(clientId);
    if (transport != null && !closed && (s == null || !s.isOpen())) {
      o.fail(new ConnectionLostException(FailFast.message("client '" + clientId + "' connected")));
      return;
    }
    dispatchTo(clientId, o);
  }

  @Override
  public synchronized void start() {
    if (closed) {
      throw new IllegalStateException("the server is closed");
    }
    if (transport != null) {
      return;
    }
    TransportServer t;
    try {
      t =
          connector
              .bind(config.transportOptions(), conn -> Session.server(conn, config, routes, this))
              .block(BIND_TIMEOUT);
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "cannot listen on " + connector + ": " + Causes.messages(e), e);
    }
    if (t == null) {
      throw new IllegalStateException("binding " + connector + " completed empty");
    }
    transport = t;
    t.onClose().subscribe(null, this::transportEnded);
    log.info("listening on {}", t.connector());
  }

  /**
   * The transport ended on its own (a stdio child exited): no client can connect any more, so
   * requests waiting for one, and later ones, fail at once with the reason.
   */
  private void transportEnded(Throwable cause) {
    String why = "no client can connect any more: " + Causes.messages(cause);
    ended = why;
    anyWaiters.failAll(new ConnectionLostException(why, cause));
    for (Waiters w : byIdWaiters.values()) {
      w.failAll(new ConnectionLostException(why, cause));
    }
  }

  /** The connector clients use: after start, the bound one (real port). */
  @Override
  public Connector connector() {
    TransportServer t = transport;
    return t != null ? t.connector() : connector;
  }

  public boolean isStarted() {
    return transport != null;
  }

  public List<ClientInfo> clients() {
    if (closed) {
      return List.of();
    }
    List<ClientInfo> list = new ArrayList<>();
    for (Session s : open) {
      ClientInfo info = s.peer();
      if (info != null) {
        list.add(info);
      }
    }
    return list;
  }

  /** The ids of the clients connected now, without making their {@link ClientInfo}s. */
  public Set<String> clientIds() {
    if (closed) {
      return Set.of();
    }
    Set<String> ids = new HashSet<>();
    for (Session s : open) {
      String id = s.peerId();
      if (id != null) {
        ids.add(id);
      }
    }
    return ids;
  }

  public Flux<ClientEvent> events() {
    return events.asFlux();
  }

  @Override
  public @Nullable String onHello(Session session, ClientInfo client, byte[] credentials) {
    if (closed) {
      return "the server is closing";
    }
    return config.authenticator().refusal(client, credentials);
  }

  @Override
  public boolean idInUse(Session session, String clientId, byte[] token) {
    Session old = clients.get(clientId);
    return old != null && old != session && old.holdsClientId() && !old.terms().provenBy(token);
  }

  @Override
  public CloseLog closeLog() {
    return closeLog;
  }

  @Override
  public void onOpen(Session session) {
    ClientInfo info = session.peer();
    if (info == null) {
      return;
    }
    open.add(session);
    if (closed) {
      // the handshake finished after close() took its list of the open connections: close it
      // here, or it stays open with nobody to close it (close() reads `open` after setting
      // `closed`, this reads `closed` after adding to `open`: one of the two sees the other)
      open.remove(session);
      neverOpened.add(session);
      session.close("the server is closed");
      return;
    }
    Session old = clients.put(info.clientId(), session);
    if (old != null && old != session) {
      open.remove(old);
      old.close("replaced by a new connection of client '" + info.clientId() + "'");
    }
    config.interception().opened(session);
    log.debug("client {} connected from {}", info.clientId(), info.remoteAddress());
    emit(new ClientEvent(ClientEvent.Type.CONNECTED, info));
    Waiters w = byIdWaiters.remove(info.clientId());
    if (w != null) {
      w.flushTo(session);
    }
    anyWaiters.flushTo(session);
  }

  @Override
  public void onClose(Session session, Throwable cause) {
    ClientInfo info = session.peer();
    open.remove(session);
    retired.remove(session);
    if (info == null || neverOpened.remove(session)) {
      return;
    }
    config.interception().closed(session, cause);
    // a connection replaced by a newer one of the same client is not a disconnect
    if (clients.remove(info.clientId(), session)) {
      log.debug("client {} disconnected: {}", info.clientId(), cause.getMessage());
      emit(new ClientEvent(ClientEvent.Type.DISCONNECTED, info));
    }
  }

  /** A client shuts down: no new calls to it; its session closes once it has drained. */
  @Override
  public void onPeerGoingAway(Session session, String reason) {
    ClientInfo info = session.peer();
    if (open.remove(session)) {
      retired.add(session);
    }
    if (info != null && clients.remove(info.clientId(), session)) {
      log.debug("client {} is shutting down: {}", info.clientId(), reason);
      emit(new ClientEvent(ClientEvent.Type.DISCONNECTED, info));
    }
  }

  @Override
  public void onRefusing(Session session, String reason) {
    config.interception().refused(session, reason);
  }

  private void emit(ClientEvent event) {
    synchronized (events) {
      events.tryEmitNext(event);
    }
  }

  /** Sends to the client with this id, waiting for it to connect within the timeout. */
  public void dispatchTo(String clientId, Outbound o) {
    if (transport == null && !closed) {
      o.fail(new IllegalStateException("the server is not started: call start() first"));
      return;
    }
    Session s = clients.get(clientId);
    if (s != null && s.submit(o)) {
      return;
    }
    String gone = closed ? "the server is closed" : ended;
    if (gone != null) {
      o.fail(new ConnectionLostException(gone));
      return;
    }
    Waiters w =
        byIdWaiters.computeIfAbsent(
            clientId,
            id ->
                new Waiters(
                    config.maxInFlight(),
                    () -> "client '" + id + "' connected",
                    () -> byIdWaiters.computeIfPresent(id, (k, v) -> v.isEmpty() ? null : v)));
    w.add(o);
    Waiters listed = byIdWaiters.putIfAbsent(clientId, w);
    if (listed != null && listed != w) {
      // the list was dropped as empty while this item went in: move it to the listed one
      for (Outbound moved : w.takeAll()) {
        listed.add(moved);
      }
      w = listed;
    }
    s = clients.get(clientId);
    if (s != null && s.isOpen()) {
      w.flushTo(s);
    }
  }

  /** Sends to any connected client (round robin), waiting for one within the timeout. */
  public void dispatchAny(Outbound o) {
    if (transport == null && !closed) {
      o.fail(new IllegalStateException("the server is not started: call start() first"));
      return;
    }
    for (int tries = 0; tries < 3; tries++) {
      Object[] sessions = open.toArray();
      if (sessions.length == 0) {
        break;
      }
      Session s = (Session) sessions[Math.floorMod(roundRobin.getAndIncrement(), sessions.length)];
      if (s.submit(o)) {
        return;
      }
    }
    String gone = closed ? "the server is closed" : ended;
    if (gone != null) {
      o.fail(new ConnectionLostException(gone));
      return;
    }
    anyWaiters.add(o);
    // a client may have connected between the tries above and the add: its onOpen flushed the
    // list before this item was in it
    for (Object candidate : open.toArray()) {
      Session s = (Session) candidate;
      if (s.isOpen()) {
        anyWaiters.flushTo(s);
        break;
      }
    }
  }

  @Override
  public void close() {
    TransportServer t;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      t = transport;
    }
    // stop accepting first: a stream transport keeps the connections it accepted
    if (t != null) {
      t.close();
    }
    ConnectionLostException error = new ConnectionLostException("the server is closed");
    anyWaiters.failAll(error);
    for (Waiters w : byIdWaiters.values()) {
      w.failAll(error);
    }
    // the clients' connections, and those of clients that are going away and not gone yet
    List<Session> sessions = new ArrayList<>(open);
    sessions.addAll(retired);
    Shutdown.drain(sessions, config.shutdownGrace(), "the server");
    synchronized (events) {
      events.tryEmitComplete();
    }
    closedLatch.countDown();
  }

  /** Blocks until {@link #close()}. */
}
