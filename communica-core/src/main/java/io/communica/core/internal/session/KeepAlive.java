package io.communica.core.internal.session;

import io.communica.core.ConnectionLostException;
import io.communica.core.frame.ControlFrames;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The session's timers: the handshake timeout, then the keep-alive tick that sends PING after
 * silence and closes a connection from which nothing arrived for the keep-alive timeout. Loop only.
 */
final class KeepAlive {

  private final Session session;
  private final SessionSettings settings;
  private long lastReadNanos = System.nanoTime();
  private long readTimeoutNanos;
  private @Nullable Future<?> timer;

  KeepAlive(Session session, SessionSettings settings) {
    this.session = session;
    this.settings = settings;
    this.readTimeoutNanos = settings.keepAliveTimeout().toNanos();
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

  /** The peer pings every {@code intervalMs}: wait at least three of its intervals. */
  void peerInterval(int intervalMs) {
    readTimeoutNanos =
        Math.max(
            settings.keepAliveTimeout().toNanos(), TimeUnit.MILLISECONDS.toNanos(3L * intervalMs));
  }

  /** The handshake completed: keep-alive ticks replace the handshake timer. */
  void start() {
    stop();
    scheduleTick();
  }

  /** Something arrived from the peer. */
  void touch() {
    lastReadNanos = System.nanoTime();
  }

  private void scheduleTick() {
    timer = session.schedule(this::tick, settings.keepAliveInterval().toNanos());
  }

  private void tick() {
    if (!session.isEstablished()) {
      return;
    }
    long silence = System.nanoTime() - lastReadNanos;
    if (silence > readTimeoutNanos) {
      session.closeWith(
          new ConnectionLostException(
              "no frame from " + session.describe() + " for "
                  + TimeUnit.NANOSECONDS.toMillis(silence) + " ms (keep-alive timeout)"));
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
    Future<?> t = timer;
    if (t != null) {
      t.cancel(false);
    }
  }
}
