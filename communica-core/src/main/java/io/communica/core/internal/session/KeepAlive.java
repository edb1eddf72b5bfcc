package io.communica.core.internal.session;

import io.communica.core.ConnectionLostException;
import io.communica.core.frame.ControlFrames;
import io.communica.core.frame.ErrorKind;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The session's timer: the handshake timeout, then, while the connection is open, two duties of
 * one timer. The ping tick sends PING after a keep-alive interval in which nothing was written. The
 * deadline closes a connection from which nothing arrived for the keep-alive timeout: it is checked
 * at the exact deadline of the last bytes received (and, when bytes arrived since, again at the new
 * deadline), so a dead peer is found at the timeout, not at the next tick after it. The timer runs
 * at whichever of the two comes first: one scheduled task per connection, not two (an idle
 * connection's heap). Time comes from {@link SessionSettings#nanoTime()}. Loop only.
 */
final class KeepAlive implements Runnable {

  private final Session session;
  private final SessionSettings settings;
  private long lastReadNanos;
  private long readTimeoutNanos;
  /** Whether the handshake completed: the timer is the keep-alive's, not the handshake timeout. */
  private boolean open;
  /** When the next ping tick is due ({@link SessionSettings#nanoTime()}). */
  private long tickAt;
  /** When the read deadline is next checked. */
  private long checkAt;
  private @Nullable Future<?> timer;

  KeepAlive(Session session, SessionSettings settings) {
    this.session = session;
    this.settings = settings;
    this.readTimeoutNanos = settings.keepAliveTimeout().toNanos();
    this.lastReadNanos = settings.nanoTime();
  }

  /** The connection opened: the handshake must complete within the handshake timeout. */
  void startHandshakeTimer() {
    timer = session.schedule(this, settings.handshakeTimeout().toNanos());
  }

  private void handshakeTimeout() {
    if (!session.isEstablished()) {
      session.protocolError(
          "no handshake within " + settings.handshakeTimeout().toMillis() + " ms");
    }
  }

  /**
   * The peer pings every {@code intervalMs}: wait at least three of its intervals, but never longer
   * than this side's {@link SessionSettings#maxKeepAliveTimeout()}, so that a peer cannot switch
   * dead-peer detection off by announcing a huge interval.
   */
  void peerInterval(int intervalMs) {
    long asked = TimeUnit.MILLISECONDS.toNanos(3L * intervalMs);
    readTimeoutNanos =
        Math.max(
            settings.keepAliveTimeout().toNanos(),
            Math.min(asked, settings.maxKeepAliveTimeout().toNanos()));
  }

  /** The read timeout in force (the local timeout, stretched by the peer's interval up to the cap). */
  long readTimeoutNanos() {
    return readTimeoutNanos;
  }

  /** The handshake completed: the ping tick and the read deadline replace the handshake timer. */
  void start() {
    stop();
    open = true;
    long now = settings.nanoTime();
    tickAt = now + settings.keepAliveInterval().toNanos();
    checkAt = now + readTimeoutNanos;
    schedule(now);
  }

  /** Something arrived from the peer. */
  void touch() {
    lastReadNanos = settings.nanoTime();
  }

  /** Schedules the timer at the earlier of the tick and the deadline check. */
  private void schedule(long now) {
    long next = tickAt - checkAt < 0 ? tickAt : checkAt;
    timer = session.schedule(this, Math.max(0, next - now));
  }

  /** The timer: the handshake timeout, or the keep-alive's tick and deadline check when due. */
  @Override
  public void run() {
    if (!open) {
      handshakeTimeout();
      return;
    }
    if (!session.isEstablished()) {
      return;
    }
    long now = settings.nanoTime();
    if (now - checkAt >= 0) {
      long silence = now - lastReadNanos;
      if (silence >= readTimeoutNanos) {
        session.closing.withReason(
            ErrorKind.CLOSE_KEEP_ALIVE_TIMEOUT,
            new ConnectionLostException(
                "no frame from " + session.describe() + " for "
                    + TimeUnit.NANOSECONDS.toMillis(silence) + " ms (keep-alive timeout)"));
        return;
      }
      // bytes arrived since this check was set: check again at their deadline
      checkAt = now + (readTimeoutNanos - silence);
    }
    if (now - tickAt >= 0) {
      FrameWriter out = session.out;
      if (!out.takeWroteSinceTick()) {
        out.writeFrame(ControlFrames.ping(session.alloc()), null);
        out.flushIfDirty();
        out.takeWroteSinceTick();
      }
      tickAt = now + settings.keepAliveInterval().toNanos();
    }
    schedule(now);
  }

  void stop() {
    Future<?> f = timer;
    if (f != null) {
      timer = null;
      f.cancel(false);
    }
  }
}
