package io.communica.core.internal.session;

import io.communica.core.ConnectionLostException;
import io.communica.core.HandshakeRefusedException;
import io.communica.core.frame.ControlFrames;
import io.communica.core.frame.ErrorKind;
import io.communica.core.frame.FrameHeader;
import io.netty.buffer.ByteBuf;
import org.jspecify.annotations.Nullable;

/**
 * How a session ends: the first cause wins, and every way of closing says why. The peer is told
 * with a CLOSE (or, in the handshake, a REFUSE) frame whenever the reason is ours to give; the
 * transport is then closed, and the session's {@code onClosed} fails what is left with {@link
 * #error()}.
 *
 * <p>Loop-confined except {@link #normally(String)} and {@link #started()}.
 */
final class Closing {

  private final Session session;

  /** Set once, on the loop, when the session starts closing; read by other sessions' handshakes. */
  private volatile @Nullable Throwable cause;
  /** Whether the close is a normal one (a CLOSE with code 0 sent or received): no WARN line. */
  private boolean normal;

  Closing(Session session) {
    this.session = session;
  }

  /** Whether the session is closing or closed (any thread). */
  boolean started() {
    return cause != null;
  }

  boolean isNormal() {
    return normal;
  }

  /** The error that in-flight and queued work fails with once the session is closing. */
  Throwable error() {
    Throwable c = cause;
    return c != null
        ? c
        : new ConnectionLostException("connection to " + session.describe() + " closed");
  }

  /** The transport closed: records its cause unless the session gave one first. */
  void transportClosed(@Nullable Throwable transportCause) {
    if (cause == null) {
      cause =
          new ConnectionLostException(
              "connection to " + session.describe() + " closed"
                  + (transportCause != null ? ": " + transportCause.getMessage() : ""),
              transportCause);
    }
  }

  /** The peer sent CLOSE. */
  void byPeer(int code, String reason) {
    cause = new ConnectionLostException("the peer closed the connection: " + reason);
    normal = code == ErrorKind.CLOSE_NORMAL;
    session.connection().close();
  }

  /** Protocol violation by the peer: tell the peer why, close. */
  void protocolError(String reason) {
    if (session.isClosed() || cause != null) {
      return;
    }
    cause = new ConnectionLostException("protocol error: " + reason);
    session.out.writeNow(
        ControlFrames.close(
            session.alloc(), ErrorKind.CLOSE_PROTOCOL_ERROR, "protocol error: " + reason));
    session.connection().close();
  }

  /** Closes without a CLOSE frame (the peer does not read). */
  void quietly(Throwable why) {
    if (cause != null) {
      return;
    }
    cause = why;
    session.connection().close();
  }

  /**
   * Closes for a reason that is not the peer's protocol error: a CLOSE frame with {@code code}
   * ({@code ErrorKind.CLOSE_*}) and the cause's message tells the peer why.
   */
  void withReason(int code, Throwable why) {
    if (session.isClosed() || cause != null) {
      return;
    }
    cause = why;
    try {
      session.out.writeNow(
          ControlFrames.close(session.alloc(), code, String.valueOf(why.getMessage())));
    } catch (OutOfMemoryError e) {
      // no memory left for the CLOSE frame: the connection closes without it
    }
    session.connection().close();
  }

  /** Closes cleanly: what is queued, a CLOSE frame with the reason, then the connection. Any thread. */
  void normally(String reason) {
    session.connection().execute(
        () -> {
          if (session.isClosed()) {
            return;
          }
          if (cause == null) {
            cause = new ConnectionLostException(reason);
            normal = true;
          }
          session.outbox.drain();
          session.out.writeNow(ControlFrames.close(session.alloc(), ErrorKind.CLOSE_NORMAL, reason));
          session.connection().close();
        });
  }

  /** Server: refuses the handshake with a REFUSE frame in protocol version {@code version}. */
  void refuse(int reason, String text, int version) {
    session.owner().onRefusing(session, text);
    cause = new ConnectionLostException("handshake refused: " + text);
    ByteBuf frame = ControlFrames.refuse(session.alloc(), reason, text);
    frame.setByte(frame.readerIndex() + FrameHeader.OFF_VERSION, version);
    session.out.writeNow(frame);
    session.connection().close();
  }

  /**
   * Client: the server refused the handshake for now (the client id is in use): the connection
   * closes and the client reconnects with backoff, as after any lost connection.
   */
  void refusedForNow(String reason) {
    cause = new ConnectionLostException("the server refused the handshake for now: " + reason);
    session.connection().close();
  }

  /** Client: the server refused the handshake. */
  void refused(String reason) {
    cause = new HandshakeRefusedException(reason);
    session.owner().onRefused(session, reason);
    session.connection().close();
  }
}
