package io.communica.core.internal.session;

import io.communica.core.ConnectionLostException;
import io.communica.core.frame.ControlFrames;
import io.communica.core.frame.ErrorKind;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The session's timers: the handshake timeout, then two timers while the connection is open. The
 * ping tick sends PING after a keep-alive interval in which nothing was written. The deadline
 * closes a connection from which nothing arrived for the keep-alive timeout: it is scheduled at the
 * exact deadline of the last bytes received (and, when bytes arrived since, again at the new
 * deadline), so a dead peer is found at the timeout, not at the next tick after it. Time comes from
 * {@link SessionSettings#nanoTime()}. Loop only.
 */
final class KeepAlive {

  private final Session session;
  private final SessionSettings settings;
  private long lastReadNanos;
  private long readTimeoutNanos;
  private @Nullable Future<?> timer;
  private @Nullable Future<?> deadline;

  KeepAlive(Session session, SessionSettings settings) {
    this.session = session;
    this.settings = settings;
    this.readTimeoutNanos = settings.keepAliveTimeout().toNanos();
    this.lastReadNanos = settings.nanoTime();
  }

  /** The connection opened: the handshake must complete within the handshake timeout. */
  void startHandshakeTimer() {
    timer = session.schedule(this::handshakeTimeout, settings.handshakeTimeout().toNanos());
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
    scheduleTick();
    scheduleDeadline(readTimeoutNanos);
  }

  /** Something arrived from the peer. */
  void touch() {
    lastReadNanos = settings.nanoTime();
  }

  private void scheduleTick() {
    timer = session.schedule(this::tick, settings.keepAliveInterval().toNanos());
  }

  private void scheduleDeadline(long delayNanos) {
    deadline = session.schedule(this::checkDeadline, Math.max(0, delayNanos));
  }

  private void checkDeadline() {
    if (!session.isEstablished()) {
      return;
    }
    long silence = settings.nanoTime() - lastReadNanos;
    if (silence >= readTimeoutNanos) {
      session.closing.withReason(
          ErrorKind.CLOSE_KEEP_ALIVE_TIMEOUT,
          new ConnectionLostException(
              "no frame from " + session.describe() + " for "
                  + TimeUnit.NANOSECONDS.toMillis(silence) + " ms (keep-alive timeout)"));
      return;
    }
    // bytes arrived since this check was scheduled: check again at their deadline
    scheduleDeadline(readTimeoutNanos - silence);
  }

  private void tick() {
    if (!session.isEstablished()) {
      return;
    }
    Outbox out = session.out;
    if (!out.takeWroteSinceTick()) {
      out.writeFrame(ControlFrames.ping(session.alloc()), null);
      out.flushIfDirty();
      out.takeWroteSinceTick();
    }
    scheduleTick();
  }

  void stop() {
    cancel(timer);
    cancel(deadline);
  }

  private static void cancel(@Nullable Future<?> f) {
    if (f != null) {
      f.cancel(false);
    }
  }
}
