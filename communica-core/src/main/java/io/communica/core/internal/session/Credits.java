package io.communica.core.internal.session;

/**
 * The credit policy of a receiving stream direction, like Reactor's {@code limitRate}: at most
 * {@code window} items are granted and not yet delivered to the subscriber (in flight on the wire
 * or waiting in the receiver's queue), and once the subscriber has taken half of them the other
 * half is granted in one REQUEST_N. A subscriber that requests everything costs one frame per half
 * window; one that stops requesting stops the sender after at most a window of items. The first
 * grant is no larger than the subscriber's first request, so that {@code take(5)} asks for five.
 */
final class Credits {

  /** Items in flight and waiting per stream direction unless the call says otherwise. */
  static final int DEFAULT_WINDOW = 256;

  private Credits() {}

  /**
   * How many credits to grant now.
   *
   * @param window the most items granted and not yet delivered
   * @param granted credits granted so far
   * @param delivered items handed to the subscriber so far
   * @param requested items the subscriber requested so far (capped at {@code Long.MAX_VALUE})
   * @return 0 for none, else at most {@code window}
   */
  static int toGrant(int window, long granted, long delivered, long requested) {
    if (requested <= delivered) {
      return 0; // the subscriber wants nothing more now: the sender stops after what it has
    }
    if (granted == 0) {
      return (int) Math.min(requested, window);
    }
    long free = window - (granted - delivered);
    return free >= (window + 1) / 2 ? (int) free : 0;
  }

  /** Whether {@link #toGrant} may return more than 0: a cheap test from any thread. */
  static boolean due(int window, long granted, long delivered, long requested) {
    return toGrant(window, granted, delivered, requested) > 0;
  }
}
