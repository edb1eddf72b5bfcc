package io.communica.amqp;

import io.communica.amqp.BrokerLink.Delivery;
import io.communica.core.RequestException;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.LongObjectHashMap;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deliveries one process is working on, and the recently finished ones, by message id. Loop
 * confined, but for {@link #doneLater}.
 *
 * <p>A message can arrive twice: the broker redelivers what was unacknowledged when a channel
 * closed, and a publisher republishes what was unconfirmed when its connection dropped. A
 * delivery whose message id is in progress here takes over from the older one (its tag is the one
 * to acknowledge now); one whose id finished recently is acknowledged and dropped. "Recently" is
 * the last {@value #WINDOW} messages. A message that reaches two processes (the first one died
 * after handling it and before its acknowledgement reached the broker) is handled twice: that is
 * the remaining at-least-once case.
 */
final class Inbox {

  private static final Logger log = LoggerFactory.getLogger(Inbox.class);

  static final int WINDOW = 16384;

  /** How many failed message ids a process remembers: failures are rare, the set stays small. */
  static final int FAILED_WINDOW = 1024;

  private final BrokerLink link;
  /** By message id (primitive keys: no boxing, no string hashing). */
  private final LongObjectHashMap<Delivery> inProgress = new LongObjectHashMap<>();
  /** The ids of the last {@value #WINDOW} finished messages. */
  private final RecentIds finished = new RecentIds(WINDOW);
  /** The ids of the last {@value #FAILED_WINDOW} messages that failed here and were given back. */
  private final RecentIds failedOnce = new RecentIds(FAILED_WINDOW);
  /** MESSAGE deliveries by the token written into their id field. */
  private final IntObjectHashMap<Delivery> messages = new IntObjectHashMap<>();
  private int nextToken;
  /**
   * Deliveries acknowledged off the loop (a reply's request, when the broker confirmed the reply),
   * to be marked done by the loop before it takes the next delivery in.
   */
  private final Queue<Delivery> doneOffLoop = new ConcurrentLinkedQueue<>();

  Inbox(BrokerLink link) {
    this.link = link;
  }

  /**
   * The map key of a message id. A publisher's ids are consecutive, and the maps place a key by
   * its low bits: unmixed, they would lie in one long run of slots that every removal walks. A
   * multiplication by an odd constant and an xor-shift are bijections: distinct ids stay distinct.
   */
  static long key(long messageId) {
    long k = messageId * 0x9E3779B97F4A7C15L;
    return k ^ (k >>> 29);
  }

  /**
   * Takes a delivery in; false when it repeats a message in progress or finished (it is then dealt
   * with here and must not be handled).
   */
  boolean admit(Delivery d) {
    drainDone();
    AmqpCounters.delivered(d.redelivered);
    long id = key(d.messageId());
    if (finished.contains(id)) {
      log.debug("dropping a repeated delivery of message {}", Long.toHexString(d.messageId()));
      link.ack(d);
      return false;
    }
    Delivery earlier = inProgress.get(id);
    if (earlier != null) {
      if (earlier.gen != d.gen) {
        // redelivered after a reconnect: the old tag is void, this one is acknowledged later
        link.retag(earlier, d);
      } else {
        // published twice: the earlier copy is being handled
        link.ack(d);
      }
      return false;
    }
    inProgress.put(id, d);
    return true;
  }

  /** The delivery's work is done: acknowledge it and remember its id. */
  void done(Delivery d) {
    drainDone();
    long id = key(d.messageId());
    Delivery current = inProgress.remove(id);
    link.ack(current != null ? current : d);
    remember(id);
  }

  /**
   * From any thread: the delivery's work is done and it was acknowledged already (by the link,
   * under its lock); the loop forgets it and remembers its id before it admits another delivery.
   */
  void doneLater(Delivery d) {
    doneOffLoop.offer(d);
  }

  /** Loop: applies {@link #doneLater}. */
  private void drainDone() {
    Delivery d;
    while ((d = doneOffLoop.poll()) != null) {
      long id = key(d.messageId());
      inProgress.remove(id);
      link.ackIfRetagged(d);
      remember(id);
    }
  }

  private void remember(long id) {
    finished.add(id);
  }

  /** Forgets a delivery that is given back to the broker. */
  private void forget(Delivery d) {
    if (d.len < 0) {
      return; // malformed: never admitted
    }
    inProgress.remove(key(d.messageId()));
  }

  /**
   * A handler failed: the message is given back to the broker once; a second failure in this
   * process, or a failure no retry can fix (no such route, data that does not decode), sends it to
   * the dead-letter queue. Failures are counted here, not by the broker's redelivered flag: a
   * message redelivered because the process that had it died has not failed yet.
   */
  void failed(Delivery d, Throwable failure) {
    forget(d);
    boolean hopeless =
        failure instanceof RequestException e
            && (e.code() == RequestException.UNKNOWN_ROUTE
                || e.code() == RequestException.INVALID_DATA);
    if (hopeless || d.len < 0) { // a malformed delivery has no message id to count
      dead(d, failure.getMessage());
      return;
    }
    long id = key(d.messageId());
    if (failedOnce.contains(id)) {
      dead(d, "its handler failed again: " + failure.getMessage());
      return;
    }
    failedOnce.add(id);
    log.info(
        "message {} failed; it is given back to the broker once: {}",
        Long.toHexString(d.messageId()),
        failure.toString());
    link.reject(d, true);
  }

  /** Sends a delivery to the dead-letter queue, logging why. */
  void dead(Delivery d, String reason) {
    forget(d);
    log.warn(
        "dead-lettering message {} ({} bytes): {}",
        d.len < 0 ? "without id" : Long.toHexString(d.messageId()),
        d.body.length,
        reason);
    link.reject(d, false);
  }

  /** A token for a MESSAGE delivery handed to {@code holder}, to find it when its handler finished. */
  int token(Delivery d, Object holder) {
    d.holder = holder;
    int t;
    do {
      t = ++nextToken;
      if (t <= 0) {
        nextToken = 0;
        t = ++nextToken;
      }
    } while (messages.containsKey(t));
    messages.put(t, d);
    return t;
  }

  /**
   * After a connection closed, gives back to the broker the messages it was handed whose handler
   * has not reported within {@code graceMillis}: a closing session ignores frames that reach it,
   * and their deliveries must not hold a prefetch slot for ever. (A handler that reports later
   * than that has its message handled twice.)
   */
  void releaseLater(Object holder, long graceMillis) {
    link.loop.schedule(
        () -> {
          for (java.util.Iterator<IntObjectHashMap.PrimitiveEntry<Delivery>> it =
                  messages.entries().iterator();
              it.hasNext(); ) {
            Delivery d = it.next().value();
            if (d.holder == holder) {
              it.remove();
              forget(d);
              link.reject(d, true);
            }
          }
        },
        graceMillis,
        java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /**
   * The handler of a MESSAGE finished; from any thread. On the loop (a handler that finished
   * while its message was being delivered) at once: the delivery was taken in before it was
   * handed to the session.
   */
  void handled(int token, @Nullable Throwable failure) {
    if (link.loop.inEventLoop()) {
      settle(token, failure);
    } else {
      link.loop.execute(() -> settle(token, failure));
    }
  }

  private void settle(int token, @Nullable Throwable failure) {
    Delivery d = messages.remove(token);
    if (d == null) {
      return;
    }
    if (failure == null) {
      done(d);
    } else {
      failed(d, failure);
    }
  }
}
