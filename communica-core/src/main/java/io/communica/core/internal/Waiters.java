package io.communica.core.internal;

import io.communica.core.OverloadedException;
import io.communica.core.RequestTimeoutException;
import io.communica.core.internal.session.Outbound;
import io.communica.core.internal.session.Session;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import reactor.core.scheduler.Schedulers;

/**
 * Requests and messages waiting for a connection (a client that is reconnecting, a server asked to
 * reach a client that is not connected). Each waits at most until its deadline, then fails with
 * {@link RequestTimeoutException}; the list is bounded, past the bound a new item fails at once.
 */
final class Waiters {

  private final LinkedHashSet<Outbound> items = new LinkedHashSet<>();
  private final int limit;
  private final Supplier<String> what;
  private final Runnable onEmptied;

  /**
   * @param limit how many items may wait
   * @param what describes what they wait for, e.g. "a connection to tcp://...", for errors
   * @param onEmptied run when a timed-out item leaves the list empty (lets an owner drop the list)
   */
  Waiters(int limit, Supplier<String> what, Runnable onEmptied) {
    this.limit = limit;
    this.what = what;
    this.onEmptied = onEmptied;
  }

  /** Adds an item; it fails when its deadline passes first. */
  void add(Outbound o) {
    synchronized (this) {
      if (items.size() >= limit) {
        o.fail(new OverloadedException(limit + " messages are already waiting for " + what.get()));
        return;
      }
      items.add(o);
    }
    o.whileWaiting(() -> remove(o, null));
    long delay = o.deadline() - System.nanoTime();
    if (o.deadline() != Long.MAX_VALUE) {
      Schedulers.parallel()
          .schedule(
              () ->
                  remove(
                      o,
                      new RequestTimeoutException(
                          "no " + what.get() + " within the request timeout")),
              Math.max(0, delay),
              TimeUnit.NANOSECONDS);
    }
  }

  private void remove(Outbound o, Throwable error) {
    boolean removed;
    boolean empty;
    synchronized (this) {
      removed = items.remove(o);
      empty = items.isEmpty();
    }
    if (removed && empty) {
      onEmptied.run();
    }
    if (removed) {
      o.whileWaiting(null);
      // a cancelled item has no subscriber left to tell; failing it releases its buffer
      o.fail(error != null ? error : new RequestTimeoutException("cancelled"));
    }
  }

  /** Takes every waiting item out, oldest first. */
  List<Outbound> takeAll() {
    List<Outbound> taken;
    synchronized (this) {
      if (items.isEmpty()) {
        return List.of();
      }
      taken = new ArrayList<>(items);
      items.clear();
    }
    for (Outbound o : taken) {
      o.whileWaiting(null);
    }
    return taken;
  }

  /**
   * Hands every waiting item to {@code s}, oldest first; an item it no longer takes (it closed
   * meanwhile) waits again for the next connection, within its deadline.
   */
  void flushTo(Session s) {
    for (Outbound o : takeAll()) {
      if (!s.submit(o)) {
        add(o);
      }
    }
  }

  boolean isEmpty() {
    synchronized (this) {
      return items.isEmpty();
    }
  }

  void failAll(Throwable error) {
    for (Outbound o : takeAll()) {
      o.fail(error);
    }
  }
}
