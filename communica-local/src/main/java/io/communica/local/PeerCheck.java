package io.communica.local;

import io.communica.core.internal.ErrorCodes;
import io.communica.core.internal.Frames;
import io.communica.core.transport.ConnectionHandler;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.FrameListener;
import io.communica.core.transport.PeerCredentials;
import io.netty.buffer.ByteBuf;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's check of who connects: the peer's uid, read from the kernel, against the allowed
 * set. A refused peer never reaches the entity: this handler answers its HELLO with a REFUSE frame
 * carrying the reason, so the client fails with {@code HandshakeRefusedException} and knows why,
 * then closes the connection.
 */
final class PeerCheck implements ConnectionHandler {

  private static final Logger log = LoggerFactory.getLogger(PeerCheck.class);

  /** How long a refused peer has to send its HELLO before the connection is just closed. */
  static final long REFUSE_WAIT_MS = 10_000;

  private final ConnectionHandler next;
  private final @Nullable Set<Long> allowed;
  private final long ownUid;
  private final String where;

  /**
   * @param allowed the allowed uids; null allows any; empty means only {@code ownUid}
   */
  PeerCheck(ConnectionHandler next, @Nullable Set<Long> allowed, long ownUid, String where) {
    this.next = next;
    this.allowed = allowed;
    this.ownUid = ownUid;
    this.where = where;
  }

  @Override
  public FrameListener onConnection(FrameConnection connection) {
    String refusal = refusal(connection.peerCredentials());
    if (refusal == null) {
      return next.onConnection(connection);
    }
    log.warn("refusing connection on {}: {}", where, refusal);
    return new Refusal(connection, refusal);
  }

  /** Null to accept, or why not. */
  @Nullable String refusal(@Nullable PeerCredentials peer) {
    if (allowed == null) {
      return null;
    }
    Set<Long> ok = allowed.isEmpty() ? (ownUid >= 0 ? Set.of(ownUid) : Set.of()) : allowed;
    if (peer == null) {
      if (allowed.isEmpty() && ownUid < 0) {
        // no numeric users here (Windows): the socket file's access control decides
        return null;
      }
      return "the server on " + where + " cannot read the peer's credentials on this platform"
          + " and only admits uids " + new TreeSet<>(ok);
    }
    if (ok.contains(peer.uid())) {
      return null;
    }
    return "uid "
        + peer.uid()
        + " (pid "
        + peer.pid()
        + ") may not connect to "
        + where
        + ": "
        + (allowed.isEmpty()
            ? "only the server's own user (uid " + ownUid + ") may"
            : "allowed uids are " + new TreeSet<>(ok))
        + "; the server's allow-uids option admits others";
  }

  /** Answers the first frame (the client's HELLO) with REFUSE and closes. */
  private static final class Refusal implements FrameListener {
    private final FrameConnection conn;
    private final String reason;
    private final Future<?> timeout;
    private boolean answered;

    Refusal(FrameConnection conn, String reason) {
      this.conn = conn;
      this.reason = reason;
      this.timeout = conn.schedule(conn::close, REFUSE_WAIT_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onFrame(ByteBuf frame) {
      if (answered) {
        return;
      }
      answered = true;
      if (Frames.type(frame) == Frames.HELLO) {
        conn.write(Frames.text(conn.alloc(), Frames.REFUSE, ErrorCodes.REFUSE_AUTH, reason));
        conn.flush();
      }
      conn.close();
    }

    @Override
    public void onReadComplete() {}

    @Override
    public void onWritable() {}

    @Override
    public void onProtocolError(String reason) {}

    @Override
    public void onClosed(@Nullable Throwable cause) {
      timeout.cancel(false);
    }
  }
}
