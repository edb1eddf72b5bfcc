package io.communica.core.internal.session;

import io.communica.core.ClientInfo;
import io.communica.core.ConnectionLostException;
import io.communica.core.HandshakeRefusedException;
import io.communica.core.frame.Capabilities;
import io.communica.core.frame.ControlFrames;
import io.communica.core.frame.ErrorKind;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.LengthCodec;
import io.communica.core.intercept.ConnectionInfo;
import io.communica.core.internal.context.CurrentCall;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.FrameListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.security.MessageDigest;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The protocol state of one connection and its loop confinement. The work is done by its parts:
 * the {@link Outbox} (outbound queue, flushes, {@link Fragmenter}), the {@link FrameReader}
 * (headers, {@link Reassembly}), the {@link Requester} (ids, correlation, deadlines), the {@link
 * Responder} (handler dispatch), the {@link Handshake} of its side and the {@link KeepAlive}. A
 * client's and a server's session differ by their handshake part.
 *
 * <p>Fields marked loop-confined are touched only on the connection's loop; other threads reach the
 * session through {@link Outbox#submit} and {@link #close(String)}.
 */
public final class Session
    implements FrameListener, FrameHandler, ConnectionInfo, CurrentCall.Peer {

  private static final Logger log = LoggerFactory.getLogger(Session.class);

  private static final int HANDSHAKE = 0;
  private static final int OPEN = 1;
  private static final int CLOSED = 2;

  private final FrameConnection conn;
  private final SessionSettings settings;
  private final SessionOwner owner;
  private final ByteBufAllocator alloc;
  final Outbox out;
  final Requester requester;
  private final Responder responder;
  private final Handshake handshake;
  private final KeepAlive keepAlive;
  private final FrameReader reader;

  // loop-confined
  private int state = HANDSHAKE;
  /** Set once, on the loop, when the session starts closing; read by other sessions' handshakes. */
  private volatile @Nullable Throwable closeCause;
  /** Whether the close is a normal one (a CLOSE with code 0 sent or received): no WARN line. */
  private boolean normalClose;
  private int peerFrameLimit = FrameHeader.MIN_FRAME_SIZE - LengthCodec.PREFIX;
  /** Loop-written, read by metrics from any thread: bytes of frames received. */
  private long bytesRead;

  // shared
  private volatile boolean closed;
  private volatile @Nullable ClientInfo peer;
  /** The peer's message limit; volatile since replies are encoded on worker threads too. */
  private volatile int peerMaxMessage = Integer.MAX_VALUE;
  private volatile int capabilities;
  /** Server: the token issued in this connection's WELCOME; client: the token it received. */
  private volatile byte[] resumeToken = new byte[0];

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
    this.out = new Outbox(this, conn, settings.maxQueuedBytes());
    this.requester = new Requester(this);
    this.responder = new Responder(this, conn, routes);
    this.reader = new FrameReader(this, alloc, settings.maxMessageSize(), routes.index().maxLength());
    this.keepAlive = new KeepAlive(this, settings);
    this.handshake = handshake.apply(this);
    keepAlive.startHandshakeTimer();
    this.handshake.start();
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

  /** The peer: for a server's session the client, for a client's the server. */
  public @Nullable ClientInfo peer() {
    return peer;
  }

  /** Whether the session may still send (any thread). */
  public boolean isOpen() {
    return !closed;
  }

  /**
   * Whether this session still holds its client id against a new connection of the same id: it
   * is neither closed nor closing. A session that received the peer's CLOSE or is closing for any
   * other reason is on its way out; the new connection replaces it rather than being refused as
   * "client id in use". (Over AMQP, a message a client sent before it left can reach a server
   * after its CLOSE and is handled on a connection opened for it while the old one closes.)
   */
  public boolean holdsClientId() {
    return !closed && closeCause == null;
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

  /** Largest payload this side may send: the smaller of both peers' limits. */
  int sendLimit() {
    return Math.min(settings.maxMessageSize(), peerMaxMessage);
  }

  int peerMaxMessage() {
    return peerMaxMessage;
  }

  /** Largest frame (without length prefix) the peer accepts. */
  int peerFrameLimit() {
    return peerFrameLimit;
  }

  void execute(Runnable task) {
    conn.execute(task);
  }

  Future<?> schedule(Runnable task, long delayNanos) {
    return conn.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
  }

  /** Hands an item to send over from any thread; false, leaving it to the caller, once closed. */
  public boolean submit(Outbound o) {
    return out.submit(o);
  }

  // ---------------------------------------------------------------- capabilities

  /** Whether both sides announced capability {@code bit}; false before the handshake. */
  public boolean peerHas(int bit) {
    return (capabilities & bit) == bit;
  }

  /**
   * Checks that both sides announced capability {@code bit}, before a feature that needs it sends.
   *
   * @throws UnsupportedOperationException naming the capability and what the connection has
   */
  public void require(int bit) {
    if (!peerHas(bit)) {
      throw new UnsupportedOperationException(
          "the peer at " + describe() + " does not support " + Capabilities.name(bit)
              + "; the connection has capabilities " + Capabilities.describe(capabilities));
    }
  }

  // ---------------------------------------------------------------- handshake

  /** The resume token of this connection; empty when none was issued. */
  public byte[] resumeToken() {
    return resumeToken.clone();
  }

  void resumeToken(byte[] token) {
    this.resumeToken = token.clone();
  }

  /**
   * Whether {@code token} is this connection's resume token: the connection that presents it is
   * the same client. Compared in constant time, so that timing does not reveal a prefix.
   */
  public boolean provenBy(byte[] token) {
    byte[] own = resumeToken;
    return own.length > 0 && MessageDigest.isEqual(own, token);
  }

  /** Takes the peer's limits from its HELLO or WELCOME; false after a protocol error. */
  boolean acceptLimits(int maxMessage, int maxFrame, int keepAliveMs) {
    if (maxMessage <= 0 || maxFrame < FrameHeader.MIN_FRAME_SIZE || keepAliveMs <= 0) {
      protocolError(
          "invalid limits in handshake: max message " + maxMessage + ", max frame " + maxFrame
              + ", keep-alive " + keepAliveMs + " ms");
      return false;
    }
    peerMaxMessage = maxMessage;
    peerFrameLimit = maxFrame - LengthCodec.PREFIX;
    keepAlive.peerInterval(keepAliveMs);
    return true;
  }

  /** The handshake completed with {@code peer}, which announced {@code peerCapabilities}. */
  void open(ClientInfo peer, int peerCapabilities) {
    this.peer = peer;
    this.capabilities = settings.capabilities() & peerCapabilities;
    state = OPEN;
    keepAlive.start();
    owner.onOpen(this);
    out.drain();
  }

  /** Server: refuses the handshake with a REFUSE frame in protocol version {@code version}. */
  void refuse(int reason, String text, int version) {
    owner.onRefusing(this, text);
    closeCause = new ConnectionLostException("handshake refused: " + text);
    ByteBuf frame = ControlFrames.refuse(alloc, reason, text);
    frame.setByte(frame.readerIndex() + FrameHeader.OFF_VERSION, version);
    out.writeNow(frame);
    conn.close();
  }

  /**
   * Client: the server refused the handshake for now (the client id is in use): the connection
   * closes and the client reconnects with backoff, as after any lost connection.
   */
  void refusedForNow(String reason) {
    closeCause = new ConnectionLostException("the server refused the handshake for now: " + reason);
    conn.close();
  }

  /** Client: the server refused the handshake. */
  void refused(String reason) {
    closeCause = new HandshakeRefusedException(reason);
    owner.onRefused(this, reason);
    conn.close();
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
      handshake.onHello(payload);
    }
  }

  @Override
  public void onWelcome(ByteBuf payload) {
    if (inHandshake("WELCOME")) {
      handshake.onWelcome(payload);
    }
  }

  @Override
  public void onRefuse(int reason, String text) {
    if (inHandshake("REFUSE")) {
      handshake.onRefuse(reason, text);
    }
  }

  @Override
  public void onOtherVersion(int version, int type, ByteBuf frame) {
    if (state == HANDSHAKE) {
      handshake.onOtherVersion(version, type, frame);
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
    requester.onResponse(id, flags, contentType, payload);
  }

  @Override
  public void onError(int id, int kind, ByteBuf payload) {
    requester.onError(id, kind, payload);
  }

  @Override
  public void onCancel(int id) {
    responder.onCancel(id);
  }

  @Override
  public void onPing() {
    out.writeFrame(ControlFrames.pong(alloc), null);
  }

  @Override
  public void onClose(int code, String reason) {
    closeCause = new ConnectionLostException("the peer closed the connection: " + reason);
    normalClose = code == ErrorKind.CLOSE_NORMAL;
    conn.close();
  }

  // ---------------------------------------------------------------- FrameListener

  @Override
  public void onFrame(ByteBuf frame) {
    out.startReading();
    bytesRead += frame.readableBytes();
    if (state == CLOSED || closeCause != null) {
      // closing: whatever the peer still sends is ignored
      return;
    }
    reader.read(frame);
  }

  @Override
  public void onReadComplete() {
    keepAlive.touch();
    out.readComplete();
  }

  @Override
  public void onWritable() {
    out.onWritable();
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
    closed = true;
    if (closeCause == null) {
      closeCause =
          new ConnectionLostException(
              "connection to " + describe() + " closed"
                  + (cause != null ? ": " + cause.getMessage() : ""),
              cause);
    }
    Throwable error = closeError();
    keepAlive.stop();
    if (normalClose) {
      log.debug("session with {} closed (open: {}): {}", describe(), wasOpen, error.getMessage());
    } else {
      owner.closeLog().closed(toString(), error.getMessage());
    }
    // the owner forgets this session first: failing the requests below runs callers' code, which
    // may send again at once (a retry) and must then find no session rather than this dead one
    owner.onClose(this, error);
    requester.failAll(error);
    responder.close();
    reader.close();
    out.failAll(error);
  }

  // ---------------------------------------------------------------- closing

  /** The error that in-flight and queued work fails with once the session is closing. */
  Throwable closeError() {
    Throwable c = closeCause;
    return c != null ? c : new ConnectionLostException("connection to " + describe() + " closed");
  }

  /** Protocol violation by the peer: log, tell the peer why, close. Loop only. */
  @Override
  public void protocolError(String reason) {
    if (state == CLOSED || closeCause != null) {
      return;
    }
    closeCause = new ConnectionLostException("protocol error: " + reason);
    out.writeNow(ControlFrames.close(alloc, ErrorKind.CLOSE_PROTOCOL_ERROR, "protocol error: " + reason));
    conn.close();
  }

  /** Closes without a CLOSE frame (the peer does not read); loop only. */
  void closeWith(Throwable cause) {
    if (closeCause != null) {
      return;
    }
    closeCause = cause;
    conn.close();
  }

  /**
   * Closes for a reason that is not the peer's protocol error: a CLOSE frame with {@code code}
   * ({@code ErrorKind.CLOSE_*}) and the cause's message tells the peer why, then the connection
   * closes. Loop only.
   */
  void closeWith(int code, Throwable cause) {
    if (state == CLOSED || closeCause != null) {
      return;
    }
    closeCause = cause;
    out.writeNow(ControlFrames.close(alloc, code, String.valueOf(cause.getMessage())));
    conn.close();
  }

  /** The transport caught an exception while the connection is still open: tell the peer why. */
  @Override
  public void onException(Throwable cause) {
    closeWith(
        ErrorKind.CLOSE_INTERNAL_ERROR,
        new ConnectionLostException("internal error: " + cause, cause));
  }

  /** Closes cleanly: a CLOSE frame with the reason, then the connection. From any thread. */
  public void close(String reason) {
    conn.execute(
        () -> {
          if (state == CLOSED) {
            return;
          }
          if (closeCause == null) {
            closeCause = new ConnectionLostException(reason);
            normalClose = true;
          }
          out.drain();
          out.writeNow(ControlFrames.close(alloc, ErrorKind.CLOSE_NORMAL, reason));
          conn.close();
        });
  }

  // ---------------------------------------------------------------- ConnectionInfo

  @Override
  public String remoteAddress() {
    return conn.remoteAddress();
  }

  @Override
  public @Nullable String peerId() {
    ClientInfo p = peer;
    return p != null ? p.clientId() : null;
  }

  @Override
  public long queuedBytes() {
    return out.queued();
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
    ClientInfo p = peer;
    return "Session[" + describe() + (p != null ? ", " + p.clientId() : "") + "]";
  }
}
