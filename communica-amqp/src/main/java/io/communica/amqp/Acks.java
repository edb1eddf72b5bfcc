package io.communica.amqp;

import com.rabbitmq.client.Channel;
import java.io.IOException;

/**
 * The acknowledgements of one channel, sent in batches. Delivery tags of a channel count up from
 * 1; a delivery is <em>settled</em> when its work is done (acknowledged here) or it was rejected.
 * {@link #flush} sends one {@code basicAck(tag, multiple=true)} for the settled deliveries up to
 * the first one still in progress: the broker then forgets all of them at once, and never one that
 * is still being worked on. Settled deliveries behind one in progress wait for the next flush, up
 * to {@link #MAX_WAITING} of them, or until {@link #flushAll} acknowledges them one by one. Loop
 * confined.
 */
final class Acks {

  /** Tags tracked past the last one acknowledged; a delivery further on is acknowledged at once. */
  static final int CAPACITY = 1 << 16;

  private static final int MASK = CAPACITY - 1;

  /** Settled deliveries waiting behind one in progress before they are acknowledged one by one. */
  static final int MAX_WAITING = 64;

  private static final byte OPEN = 0;
  private static final byte SETTLED = 1;
  /** Settled and already acknowledged or rejected on its own. */
  private static final byte SENT = 2;

  private final byte[] state = new byte[CAPACITY];
  /** Every tag up to this one is settled and acknowledged. */
  private long base;
  private long maxSettled;
  /** Settled deliveries past {@link #base} not acknowledged yet. */
  private int unsent;

  /** A new channel: its tags start at 1 again. */
  void reset() {
    java.util.Arrays.fill(state, OPEN);
    base = 0;
    maxSettled = 0;
    unsent = 0;
  }

  /**
   * Records that {@code tag} is settled: {@code sent} when it was already rejected (or acknowledged)
   * on its own. Returns false when the tag is too far past the oldest one in progress to be tracked;
   * the caller then acknowledges it at once.
   */
  boolean track(long tag, boolean sent) {
    if (tag <= base || tag - base >= CAPACITY) {
      return false;
    }
    int i = (int) (tag & MASK);
    if (state[i] != OPEN) {
      return true; // settled twice (a repeat): once is enough
    }
    state[i] = sent ? SENT : SETTLED;
    if (!sent) {
      unsent++;
    }
    if (tag > maxSettled) {
      maxSettled = tag;
    }
    return true;
  }

  /** Settles {@code tag}; acknowledges it on {@code ch} at once when it cannot be tracked. */
  void settle(long tag, boolean sent, Channel ch) throws IOException {
    if (!track(tag, sent) && !sent && tag > base) {
      ch.basicAck(tag, false);
    }
  }

  /** Settled deliveries not acknowledged yet. */
  int unsent() {
    return unsent;
  }

  /** Settled deliveries wait behind one in progress. */
  boolean waitingBehindGap() {
    return unsent > 0;
  }

  /**
   * Acknowledges, with one {@code multiple} acknowledgement, the settled deliveries up to the first
   * one in progress; when more than {@link #MAX_WAITING} wait behind it, those one by one. Returns
   * whether it acknowledged anything.
   */
  boolean flush(Channel ch) throws IOException {
    long t = base;
    long last = 0;
    while (t < maxSettled) {
      int i = (int) ((t + 1) & MASK);
      byte s = state[i];
      if (s == OPEN) {
        break;
      }
      t++;
      if (s == SETTLED) {
        last = t;
        unsent--;
      }
      state[i] = OPEN;
    }
    base = t;
    boolean sent = last != 0;
    if (sent) {
      ch.basicAck(last, true);
    }
    if (unsent > MAX_WAITING) {
      sendWaiting(ch);
      sent = true;
    }
    return sent;
  }

  /** Acknowledges everything settled: {@link #flush}, then the rest one by one. */
  void flushAll(Channel ch) throws IOException {
    flush(ch);
    sendWaiting(ch);
  }

  private void sendWaiting(Channel ch) throws IOException {
    for (long t = base + 1; t <= maxSettled && unsent > 0; t++) {
      int i = (int) (t & MASK);
      if (state[i] == SETTLED) {
        ch.basicAck(t, false);
        state[i] = SENT;
        unsent--;
      }
    }
  }
}
