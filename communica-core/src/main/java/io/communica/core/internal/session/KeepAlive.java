package io.communica.core.internal.session;

import io.communica.core.ConnectionLostException;
import io.communica.core.frame.ControlFrames;
import io.communica.core.frame.ErrorKind;
import io.communica.core.transport.FrameConnection;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The session's timer: the handshake timeout, then, while the connection is open, two duties of
 * one timer. The ping tick sends PING after a keep-alive interval in which nothing was written. The
 * deadline closes a connection from which nothing arrived for the keep-alive timeout: it is checked
 * at the exact deadline of the last bytes received (and, when bytes arrived since, again at the new
 * deadline), so a dead peer is found at the timeout, not at the next tick after it. The timer runs
 * at whichever of the two comes first: one timer per connection, not two (an idle connection's
 * heap), and on a loop that is a thread of its own the timers of all its connections share one
 * scheduled task ({@link LoopTimer}). Time comes from {@link SessionSettings#nanoTime()}. Loop
 * only.
 */
final class KeepAlive extends LoopTimer.Entry implements Runnable {

  private final Session session;
  private long lastReadNanos;
  private long readTimeoutNanos;
  /** When the next ping tick is due ({@link SessionSettings#nanoTime()}). */
  private long tickAt;
  /** When the read deadline is next checked. */
  private long checkAt;
  /** The task scheduled for this connection alone, when its loop has no {@link LoopTimer}. */
  private @Nullable Future<?> timer;

  KeepAlive(Session session, SessionSettings settings) {
    this.session = session;
    this.readTimeoutNanos = settings.keepAliveTimeout().toNanos();
    this.lastReadNanos = settings.nanoTime();
  }

  /** The connection opened: the handshake must complete within the handshake timeout. */
  void startHandshakeTimer() {
    schedule(session.settings().handshakeTimeout().toNanos());
  }

  private void handshakeTimeout() {
    session.protocolError(
        "no handshake within " + session.settings().handshakeTimeout().toMillis() + " ms");
  }

  /**
   * The peer pings every {@code intervalMs}: wait at least three of its intervals, but never longer
   * than this side's {@link SessionSettings#maxKeepAliveTimeout()}, so that a peer cannot switch
   * dead-peer detection off by announcing a huge interval.
   */
  void peerInterval(int intervalMs) {
    SessionSettings settings = session.settings();
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
    SessionSettings settings = session.settings();
    long now = settings.nanoTime();
    tickAt = now + settings.keepAliveInterval().toNanos();
    checkAt = now + readTimeoutNanos;
    scheduleNext(now);
  }

  /** Something arrived from the peer. */
  void touch() {
    lastReadNanos = session.settings().nanoTime();
  }

  /** Schedules the timer at the earlier of the tick and the deadline check. */
  private void scheduleNext(long now) {
    long next = tickAt - checkAt < 0 ? tickAt : checkAt;
    schedule(Math.max(0, next - now));
  }

  /**
   * Fires {@code delayNanos} from now: on the loop's timer when the connection's loop is a thread
   * of its own, this runs on it, and the thread's timer is that loop's; else on a task of its own.
   */
  private void schedule(long delayNanos) {
    FrameConnection conn = session.connection();
    Object loop = conn.eventLoop();
    if (loop != null && conn.inLoop()) {
      LoopTimer t = LoopTimer.ofThisLoop();
      if (t.claim(loop)) {
        t.set(this, delayNanos);
        return;
      }
    }
    timer = session.schedule(this, delayNanos);
  }

  @Override
  Future<?> scheduleOnLoop(Runnable task, long delayNanos) {
    return session.schedule(task, delayNanos);
  }

  @Override
  public void run() {
    fire();
  }

  /**
   * The timer: the handshake timeout while the handshake runs, then the keep-alive's tick and
   * deadline check when due; nothing once the connection closed.
   */
  @Override
  void fire() {
    if (!session.isEstablished()) {
      if (!session.isClosed()) {
        handshakeTimeout();
      }
      return;
    }
    SessionSettings settings = session.settings();
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
    scheduleNext(now);
  }

  /** Whether a task of its own is scheduled for it rather than its loop's timer (for tests). */
  boolean hasOwnTask() {
    return timer != null;
  }

  void stop() {
    if (queued()) {
      LoopTimer.ofThisLoop().cancel(this);
    }
    Future<?> f = timer;
    if (f != null) {
      timer = null;
      f.cancel(false);
    }
  }
}
