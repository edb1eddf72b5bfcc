package io.communica.core.internal.session;

import io.communica.core.ClientInfo;
import io.communica.core.ConnectionLostException;
import io.communica.core.frame.ControlFrames;
import io.communica.core.frame.ErrorKind;
import io.communica.core.frame.FrameHeader;
import io.communica.core.intercept.ConnectionInfo;
import io.communica.core.internal.context.CurrentCall;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.FrameListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.time.Instant;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The protocol state of one connection and its loop confinement. The work is done by its parts:
 * the {@link Outbox} (what callers hand over), the {@link FrameWriter} (writes, flushes, {@link
 * Fragmenter}), the {@link FrameReader} (headers, {@link Reassembly}), the {@link Requester} (ids,
 * correlation, deadlines), the {@link Responder} (handler dispatch), the {@link Handshake} of its side with the {@link PeerTerms} it
 * agrees, the {@link KeepAlive} and {@link Closing}. A client's and a server's session differ by
 * their handshake part.
 *
 * <p>Fields marked loop-confined are touched only on the connection's loop; other threads reach the
 * session through {@link Outbox#submit} and {@link #close(String)}.
 */
public final class Session
    implements FrameListener, FrameHandler, ConnectionInfo, CurrentCall.Peer, MemoryBudget.Shedder {

  private static final Logger log = LoggerFactory.getLogger(Session.class);

  private static final int HANDSHAKE = 0;
  private static final int OPEN = 1;
  private static final int CLOSED = 2;

  private final FrameConnection conn;
  private final SessionSettings settings;
  private final SessionOwner owner;
  private final ByteBufAllocator alloc;
  /** The write side, on the loop: frames, fragments, flushes. */
  final FrameWriter out;
  /** What callers hand over to be written, from any thread. */
  final Outbox outbox;
  private final Responder responder;
  // made on first use: a server's session may never call its client, few connections carry
  // streams, and an idle connection's heap is what a server with many clients pays for each
  private @Nullable Requester requester;
  private @Nullable StreamRequester streamRequester;
  private @Nullable StreamResponder streamResponder;
  private @Nullable StreamFrames streamFrames;
  /** This side's part of the handshake; dropped once the connection is open. */
  private @Nullable Handshake handshake;
  private final KeepAlive keepAlive;
  private final FrameReader reader;

  final PeerTerms terms;
  final Closing closing;
  /** What this connection's buffers hold of the process's memory budget. */
  final MemoryBudget.Account account;

  /** Written on the loop, read from any thread ({@link #isOpen}). */
  private volatile int state = HANDSHAKE;
  /** Loop-written, read by metrics from any thread: bytes of frames received. */
  private long bytesRead;

  // the peer, kept as its parts rather than a ClientInfo: what peer() adds to them (the address,
  // the credentials) the connection keeps anyway, and a server keeps one of these per client
  /** When the handshake completed, in nanoseconds of the epoch; written before {@link #peerId}. */
  private long connectedAt;
  /** The peer's client id ("server" for a client's session) once open, published to any thread. */
  private volatile @Nullable String peerId;

  /** The session of a client's connection; call on the connection's loop. */
  public static Session client(
      FrameConnection conn, SessionSettings settings, Routes routes, SessionOwner owner) {
    return new Session(conn, settings, routes, owner, ClientHandshake::new);
  }

  /** The session of a connection a server accepted; call on the connection's loop. */
  public static Session server(
      FrameConnection conn, SessionSettings settings, Routes routes, SessionOwner owner) {
    return new Session(conn, settings, routes, owner, ServerHandshake::new);
  }

  private Session(
      FrameConnection conn,
      SessionSettings settings,
      Routes routes,
      SessionOwner owner,
      Function<Session, Handshake> handshake) {
    this.conn = conn;
    this.settings = settings;
    this.owner = owner;
    this.alloc = conn.alloc();
    this.terms = new PeerTerms(settings, conn);
    this.closing = new Closing(this);
    this.account = settings.memoryBudget().open(this);
    this.out = new FrameWriter(this, conn);
    this.outbox = new Outbox(this, conn, out);
    this.responder = new Responder(this, routes);
    this.reader =
        new FrameReader(this, alloc, account, settings.maxMessageSize(), routes.index().maxLength());
    this.keepAlive = new KeepAlive(this, settings);
    Handshake h = handshake.apply(this);
    this.handshake = h;
    keepAlive.startHandshakeTimer();
    h.start();
  }

  // ---------------------------------------------------------------- accessors

  SessionSettings settings() {
    return settings;
  }

  SessionOwner owner() {
    return owner;
  }

  FrameConnection connection() {
    return conn;
  }

  ByteBufAllocator alloc() {
    return alloc;
  }

  /** The keep-alive (for tests). */
  KeepAlive keepAlive() {
    return keepAlive;
  }

  /** Loop: the correlation of this side's requests, made on the first. */
  Requester requester() {
    Requester r = requester;
    if (r == null) {
      requester = r = new Requester(this);
    }
    return r;
  }

  /** Loop: the streams this side asked for, made on the first. */
  StreamRequester streamRequester() {
    StreamRequester r = streamRequester;
    if (r == null) {
      streamRequester = r = new StreamRequester(this);
    }
    return r;
  }

  /**
   * Loop: the streams this side asked for, or null when it asked for none: frames from the peer
   * that answer nothing (an ERROR after a timeout, a stream frame for no stream) make no part.
   */
  @Nullable StreamRequester streamRequesterIfMade() {
    return streamRequester;
  }

  /** Loop: the streams this side serves, or null when it served none. */
  @Nullable StreamResponder streamResponderIfMade() {
    return streamResponder;
  }

  /** Loop: the streams this side serves, made on the first. */
  StreamResponder streamResponder() {
    StreamResponder r = streamResponder;
    if (r == null) {
      streamResponder = r = new StreamResponder(this);
    }
    return r;
  }

  /** Loop: whether a stream this side asked for uses {@code id} (request ids avoid it). */
  boolean streamUses(int id) {
    StreamRequester r = streamRequester;
    return r != null && r.uses(id);
  }

  /**
   * The peer: for a server's session the client, for a client's the server; null before the
   * handshake completed. Each call makes a new {@code ClientInfo}, equal to the one before.
   */
  public @Nullable ClientInfo peer() {
    String id = peerId;
    if (id == null) {
      return null;
    }
    return new ClientInfo(
        id, conn.remoteAddress(), conn.peerCredentials(), Instant.ofEpochSecond(0, connectedAt));
  }

  /** Whether the session may still send (any thread). */
  public boolean isOpen() {
    return state != CLOSED;
  }

  /**
   * Whether this session still holds its client id against a new connection of the same id: it
   * is neither closed nor closing. A session that received the peer's CLOSE or is closing for any
   * other reason is on its way out; the new connection replaces it rather than being refused as
   * "client id in use". (Over AMQP, a message a client sent before it left can reach a server
   * after its CLOSE and is handled on a connection opened for it while the old one closes.)
   */
  public boolean holdsClientId() {
    return state != CLOSED && !closing.started();
  }

  /** Loop: the handshake completed and the connection is not closed. */
  boolean isEstablished() {
    return state == OPEN;
  }

  /** Loop: the connection closed. */
  boolean isClosed() {
    return state == CLOSED;
  }

  String describe() {
    return conn.remoteAddress();
  }

  void execute(Runnable task) {
    conn.execute(task);
  }

  Future<?> schedule(Runnable task, long delayNanos) {
    return conn.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
  }

  /** Hands an item to send over from any thread; false, leaving it to the caller, once closed. */
  public boolean submit(Outbound o) {
    return outbox.submit(o);
  }

  /** The terms agreed with the peer: limits, capabilities, resume token. */
  public PeerTerms terms() {
    return terms;
  }

  // ---------------------------------------------------------------- handshake

  /** Takes the peer's limits from its HELLO or WELCOME; false after a protocol error. */
  boolean acceptLimits(int maxMessage, int maxFrame, int keepAliveMs) {
    String invalid = terms.limits(maxMessage, maxFrame, keepAliveMs);
    if (invalid != null) {
      protocolError(invalid);
      return false;
    }
    keepAlive.peerInterval(keepAliveMs);
    return true;
  }

  /**
   * The handshake completed at {@code at} with the peer of id {@code peerId} ("server" for a
   * client's session), which announced {@code peerCapabilities}.
   */
  void open(String peerId, Instant at, int peerCapabilities) {
    connectedAt =
        Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000_000L), at.getNano());
    this.peerId = peerId;
    terms.agree(peerCapabilities);
    state = OPEN;
    handshake = null;
    keepAlive.start();
    owner.onOpen(this);
    outbox.drain();
  }

  /** Loop, while the handshake runs. */
  private Handshake handshake() {
    Handshake h = handshake;
    if (h == null) {
      throw new IllegalStateException("the handshake of " + describe() + " is over");
    }
    return h;
  }

  // ---------------------------------------------------------------- FrameHandler

  @Override
  public boolean acceptsMessages() {
    return state == OPEN;
  }

  private boolean inHandshake(String frame) {
    if (state == HANDSHAKE) {
      return true;
    }
    protocolError("unexpected " + frame + " frame");
    return false;
  }

  @Override
  public void onHello(ByteBuf payload) {
    if (inHandshake("HELLO")) {
      handshake().onHello(payload);
    }
  }

  @Override
  public void onWelcome(ByteBuf payload) {
    if (inHandshake("WELCOME")) {
      handshake().onWelcome(payload);
    }
  }

  @Override
  public void onRefuse(int reason, String text) {
    if (inHandshake("REFUSE")) {
      handshake().onRefuse(reason, text);
    }
  }

  @Override
  public void onOtherVersion(int version, int type, ByteBuf frame) {
    if (state == HANDSHAKE) {
      handshake().onOtherVersion(version, type, frame);
    } else {
      protocolError("frame with protocol version " + version + ", expected " + FrameHeader.VERSION);
    }
  }

  @Override
  public void onRequest(
      boolean wantsReply, int id, int flags, int contentType, byte[] route, int routeLen,
      ByteBuf payload) {
    responder.onRequest(wantsReply, id, flags, contentType, route, routeLen, payload);
  }

  @Override
  public void onResponse(int id, int flags, int contentType, ByteBuf payload) {
    Requester r = requester;
    if (r != null) { // else it answers no request of this side's: dropped
      r.onResponse(id, flags, contentType, payload);
    }
  }

  @Override
  public void onError(int id, int kind, ByteBuf payload) {
    Requester r = requester; // streams take their ids from it: none without it
    if (r != null) {
      r.onError(id, kind, payload); // passes on an ERROR of a stream
    }
  }

  @Override
  public void onCancel(int id) {
    responder.onCancel(id);
  }

  @Override
  public StreamFrames streams() {
    StreamFrames f = streamFrames;
    if (f == null) {
      streamFrames = f = new StreamFrames(this, responder);
    }
    return f;
  }

  @Override
  public void onPing() {
    out.writeFrame(ControlFrames.pong(alloc), null);
  }

  @Override
  public void onClose(int code, String reason) {
    if (code == ErrorKind.CLOSE_GOING_AWAY) {
      // the peer drains: no new calls to it, its replies still come (see Shutdown)
      owner.onPeerGoingAway(this, reason);
      return;
    }
    closing.byPeer(code, reason);
  }

  // ---------------------------------------------------------------- FrameListener

  @Override
  public void onFrame(ByteBuf frame) {
    out.startReading();
    bytesRead += frame.readableBytes();
    if (state == CLOSED || closing.started()) {
      // closing: whatever the peer still sends is ignored
      return;
    }
    try {
      reader.read(frame);
    } catch (OutOfMemoryError e) {
      // direct memory ran out beyond the budget (another user of it): this connection goes, the
      // loop and the other connections carry on
      overloaded("out of memory while handling a frame: " + e.getMessage());
    }
  }

  @Override
  public void onReadComplete() {
    keepAlive.touch();
    out.readComplete();
  }

  @Override
  public void onWritable() {
    outbox.onWritable();
  }

  @Override
  public void onProtocolError(String reason) {
    protocolError(reason);
  }

  @Override
  public void onClosed(@Nullable Throwable cause) {
    if (state == CLOSED) {
      return;
    }
    boolean wasOpen = state == OPEN;
    state = CLOSED;
    closing.transportClosed(cause);
    Throwable error = closing.error();
    keepAlive.stop();
    if (closing.isNormal()) {
      log.debug("session with {} closed (open: {}): {}", describe(), wasOpen, error.getMessage());
    } else {
      owner.closeLog().closed(toString(), error.getMessage());
    }
    // the owner forgets this session first: failing the requests below runs callers' code, which
    // may send again at once (a retry) and must then find no session rather than this dead one
    owner.onClose(this, error);
    failRequests(error);
    if (streamRequester != null) {
      streamRequester.failAll(error);
    }
    responder.close();
    if (streamResponder != null) {
      streamResponder.close();
    }
    reader.close();
    outbox.failAll(error);
    account.close();
  }

  // ---------------------------------------------------------------- closing

  /** Protocol violation by the peer: log, tell the peer why, close. Loop only. */
  @Override
  public void protocolError(String reason) {
    closing.protocolError(reason);
  }

  /** The transport caught an exception while the connection is still open: tell the peer why. */
  @Override
  public void onException(Throwable cause) {
    closing.withReason(
        ErrorKind.CLOSE_INTERNAL_ERROR,
        new ConnectionLostException("internal error: " + cause, cause));
  }

  /** This connection holds the most of an exhausted memory budget: close it, saying so. Any thread. */
  @Override
  public void shed(String reason) {
    try {
      conn.execute(() -> overloaded(reason));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // the connection's loop is shutting down: it is closing and releases what it holds anyway
    }
  }

  /** Loop: closes because memory ran short (the budget, or an allocation that failed). */
  @Override
  public void overloaded(String reason) {
    closing.withReason(
        ErrorKind.CLOSE_OVERLOADED, new ConnectionLostException("closed by this side: " + reason));
  }

  /** Closes cleanly: a CLOSE frame with the reason, then the connection. From any thread. */
  public void close(String reason) {
    closing.normally(reason);
  }

  /** Loop: fails this side's requests waiting for replies, if it ever sent one. */
  void failRequests(Throwable error) {
    Requester r = requester;
    if (r != null) {
      r.failAll(error);
    }
  }

  /** Loop: calls on this connection not finished yet, handled here or waiting for the peer. */
  int callsInFlight() {
    Requester r = requester;
    return responder.inFlight() + (r != null ? r.pendingCount() : 0);
  }

  // ---------------------------------------------------------------- ConnectionInfo

  @Override
  public String remoteAddress() {
    return conn.remoteAddress();
  }

  @Override
  public @Nullable String peerId() {
    return peerId;
  }

  @Override
  public long queuedBytes() {
    return outbox.queued();
  }

  @Override
  public long bytesRead() {
    return bytesRead;
  }

  @Override
  public long bytesWritten() {
    return out.written();
  }

  @Override
  public String toString() {
    String id = peerId;
    return "Session[" + describe() + (id != null ? ", " + id : "") + "]";
  }
}
