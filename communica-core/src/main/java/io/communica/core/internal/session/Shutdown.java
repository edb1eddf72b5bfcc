package io.communica.core.internal.session;

import io.communica.core.ConnectionLostException;
import io.communica.core.frame.ControlFrames;
import io.communica.core.frame.ErrorKind;
import io.communica.core.internal.context.CurrentCall;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.scheduler.Schedulers;

/**
 * The graceful end of an entity's sessions. Each established session tells its peer CLOSE with
 * code {@link ErrorKind#CLOSE_GOING_AWAY} ("... is shutting down"): the peer sends no new calls on
 * it and keeps reading replies. The session then waits until its calls in flight are done (the
 * handlers running here answered, the replies this side waits for arrived) or the grace period is
 * over, fails what is left with {@link ConnectionLostException} ("... is shutting down: ..."), and
 * closes with CLOSE code 0, whose reason the peer's remaining calls fail with at once.
 */
public final class Shutdown {

  private static final Logger log = LoggerFactory.getLogger(Shutdown.class);

  /**
   * How often a draining session looks whether its calls are done. Polled rather than signalled:
   * the responder and requester have no completion hook, a shutdown is rare and its sessions few.
   */
  private static final long CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  /** How long {@link #drain} waits beyond the grace period for the sessions' loops. */
  private static final Duration SLACK = Duration.ofSeconds(5);

  private Shutdown() {}

  /**
   * Drains and closes {@code sessions}; {@code who} names this side in the reasons ({@code "the
   * server"}). Blocks until each has closed or failed what was left, at most about {@code grace};
   * returns at once when called on a connection's loop or from a handler, where waiting would hold
   * up the very calls it waits for: the sessions then drain on their own.
   */
  public static void drain(Collection<Session> sessions, Duration grace, String who) {
    long deadline = System.nanoTime() + grace.toNanos();
    List<CompletableFuture<Void>> done = new ArrayList<>();
    for (Session s : sessions) {
      CompletableFuture<Void> f = new CompletableFuture<>();
      done.add(f);
      try {
        s.execute(() -> start(s, deadline, grace, who, f));
      } catch (RuntimeException e) {
        // the connection's executor is gone: so is the connection
        f.complete(null);
      }
    }
    if (done.isEmpty() || !canWait(sessions)) {
      return;
    }
    try {
      CompletableFuture.allOf(done.toArray(CompletableFuture[]::new))
          .get(grace.plus(SLACK).toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.debug("{} did not finish draining its connections: {}", who, e.toString());
    }
  }

  private static boolean canWait(Collection<Session> sessions) {
    if (CurrentCall.get() != null || Schedulers.isInNonBlockingThread()) {
      return false;
    }
    for (Session s : sessions) {
      if (s.connection().inLoop()) {
        return false;
      }
    }
    return true;
  }

  /** Loop: tells the peer, then waits for the calls in flight. */
  private static void start(
      Session s, long deadline, Duration grace, String who, CompletableFuture<Void> done) {
    if (s.isClosed() || s.closing.started()) {
      done.complete(null);
      return;
    }
    if (!s.isEstablished()) {
      // still in its handshake: nothing in flight, nothing to drain
      s.close(who + " shut down");
      done.complete(null);
      return;
    }
    s.out.writeNow(
        ControlFrames.close(s.alloc(), ErrorKind.CLOSE_GOING_AWAY, who + " is shutting down"));
    check(s, deadline, grace, who, done);
  }

  /** Loop: closes once idle or at the deadline, else looks again a little later. */
  private static void check(
      Session s, long deadline, Duration grace, String who, CompletableFuture<Void> done) {
    if (s.isClosed() || s.closing.started()) {
      done.complete(null);
      return;
    }
    int left = s.callsInFlight();
    if (left == 0) {
      s.close(who + " shut down");
      done.complete(null);
      return;
    }
    long now = System.nanoTime();
    if (now - deadline >= 0) {
      String calls = left + (left == 1 ? " call" : " calls") + " still in flight after the grace"
          + " period of " + grace.toMillis() + " ms";
      // what this side still waits for fails now, with why; the handlers still running here are
      // cancelled when the connection closes, and the peer's calls fail with the CLOSE's reason
      log.warn("{} shuts down the connection with {}: {}", who, s.describe(), calls);
      s.failRequests(new ConnectionLostException(who + " is shutting down: " + calls));
      s.close(who + " shut down: " + calls);
      done.complete(null);
      return;
    }
    s.schedule(() -> check(s, deadline, grace, who, done), Math.min(CHECK_NANOS, deadline - now));
  }
}
