package io.communica.amqp;

import io.communica.amqp.BrokerLink.Delivery;
import io.communica.core.RequestException;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.LongObjectHashMap;
import java.util.ArrayList;
import java.util.List;
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
 *
 * <p>A batch of messages ({@link Wire#BATCH_VERSION}) is one delivery: taken in once, its messages
 * handed to the session one by one, acknowledged when the last handler reported. Messages of it
 * whose handler failed (or, after their connection closed, never reported) go back to the address
 * queue each alone, under an id of their own ({@link #partId}), and the batch is acknowledged once
 * the broker confirmed them: the others are not handled again.
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
  /**
   * Messages of batches given back to the broker whole that need no handling when their batch
   * returns ({@link #partDone}); made the first time a batch is given back (the address queue was
   * full).
   */
  private @Nullable RecentIds givenBackDone;
  /** MESSAGE deliveries (or a {@link Part} of a batch) by the token written into their id field. */
  private final IntObjectHashMap<Object> messages = new IntObjectHashMap<>();
  /** Where messages of a batch that are handled again go (the address queue); null on a client. */
  private @Nullable String requeueTo;
  /** Where messages of a batch that can never be handled go (the dead-letter queue). */
  private @Nullable String deadTo;
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
   * A server process's inbox: messages of a batch to be handled again go to {@code queue}, those
   * that can never be handled to {@code deadQueue}.
   */
  Inbox(BrokerLink link, String queue, String deadQueue) {
    this.link = link;
    this.requeueTo = queue;
    this.deadTo = deadQueue;
  }

  /** What a batch being handled waits for. Loop. */
  static final class Batch {
    /** Messages whose handler has not reported. */
    int left;
    /** Its messages to publish again, alone: the handler failed or never reported. */
    java.util.@Nullable BitSet again;
    /** Of {@link #again}, those whose handler failed here (they count as failed once). */
    java.util.@Nullable BitSet failed;
    /** Of {@link #again}, those no retry can handle (they go to the dead-letter queue). */
    java.util.@Nullable BitSet hopeless;
    /** Messages published again whose confirm has not come, and one while they are being published. */
    int republishing;
    /** Those the broker refused (or the link was closing): the batch goes back whole. */
    java.util.@Nullable BitSet refused;

    Batch(int count) {
      this.left = count;
    }
  }

  /** A message of a batch, by the token in its id field. */
  private record Part(Delivery d, int index) {}

  /**
   * The message id a message of a batch takes when it travels again alone: the batch's id and the
   * message's place in it, mixed (SplitMix64's finaliser), so that it meets no publisher's count.
   */
  static long partId(long batchId, int index) {
    long z = batchId + (index + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
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
    if (hopeless(failure) || d.len < 0) { // a malformed delivery has no message id to count
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

  /** Whether no retry can fix a handler's failure: no such route, data that does not decode. */
  private static boolean hopeless(Throwable failure) {
    return failure instanceof RequestException e
        && (e.code() == RequestException.UNKNOWN_ROUTE || e.code() == RequestException.INVALID_DATA);
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
    return token(d);
  }

  /**
   * A token for message {@code index} of a batch handed to {@code holder}; the batch's {@link
   * Delivery#parts} are set before its first message is handed on.
   */
  int token(Delivery d, int index, Object holder) {
    d.holder = holder;
    return token(new Part(d, index));
  }

  private int token(Object entry) {
    int t;
    do {
      t = ++nextToken;
      if (t <= 0) {
        nextToken = 0;
        t = ++nextToken;
      }
    } while (messages.containsKey(t));
    messages.put(t, entry);
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
          List<Part> parts = null;
          for (java.util.Iterator<IntObjectHashMap.PrimitiveEntry<Object>> it =
                  messages.entries().iterator();
              it.hasNext(); ) {
            Object o = it.next().value();
            if (o instanceof Part p) {
              if (p.d.holder == holder) {
                it.remove();
                if (parts == null) {
                  parts = new ArrayList<>();
                }
                parts.add(p); // settled after the walk: settling may publish and take tokens
              }
            } else if (o instanceof Delivery d && d.holder == holder) {
              it.remove();
              forget(d);
              link.reject(d, true);
            }
          }
          if (parts != null) {
            for (Part p : parts) {
              part(p.d, p.index, null, true);
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
    Object o = messages.remove(token);
    if (o instanceof Part p) {
      part(p.d, p.index, failure, false);
      return;
    }
    if (!(o instanceof Delivery d)) {
      return;
    }
    if (failure == null) {
      done(d);
    } else {
      failed(d, failure);
    }
  }

  /**
   * Whether message {@code index} of a batch needs no handling: its batch was given back to the
   * broker whole ({@link #republished}) after this process had handled it or published it again
   * alone. Settles it as handled when so.
   */
  boolean partDone(Delivery d, int index) {
    RecentIds done = givenBackDone;
    if (!d.redelivered || done == null || !done.contains(key(partId(d.messageId(), index)))) {
      return false;
    }
    part(d, index, null, false);
    return true;
  }

  /**
   * Message {@code index} of a batch was not handed to its connection's session (the connection
   * closed while the batch was being handed on): it goes back to the address queue alone.
   */
  void released(Delivery d, int index) {
    part(d, index, null, true);
  }

  /**
   * A message of a batch was handled ({@code failure} null), failed, or was released unreported;
   * the batch is settled with its last message.
   */
  private void part(Delivery d, int index, @Nullable Throwable failure, boolean released) {
    Batch b = d.parts;
    if (b == null) {
      return;
    }
    if (failure != null || released) {
      if (b.again == null) {
        b.again = new java.util.BitSet();
      }
      b.again.set(index);
      boolean failedBefore =
          failure != null && failedOnce.contains(key(partId(d.messageId(), index)));
      if (failure != null && (hopeless(failure) || failedBefore)) {
        // no retry can handle it, or it failed here before (handled again after its batch was
        // given back whole): it goes to the dead letters
        if (b.hopeless == null) {
          b.hopeless = new java.util.BitSet();
        }
        b.hopeless.set(index);
      } else if (failure != null) {
        if (b.failed == null) {
          b.failed = new java.util.BitSet();
        }
        b.failed.set(index);
        log.info(
            "message {} of batch {} failed; it goes back to the address queue alone: {}",
            index,
            Long.toHexString(d.messageId()),
            failure.toString());
      }
    }
    if (--b.left > 0) {
      return;
    }
    java.util.BitSet again = b.again;
    String to = requeueTo;
    String dead = deadTo;
    if (again == null || to == null || dead == null) {
      d.parts = null;
      done(d);
      return;
    }
    // each message to handle again goes back alone (one that no retry can handle to the dead
    // letters); the batch is acknowledged once the broker confirmed all of them, so that none is
    // lost in between, or given back whole if one of them could not be published
    byte[] body = d.body;
    int h = Wire.introLength(body);
    int introAt = Wire.introOffset(body);
    byte[] intro = h == 0 ? null : java.util.Arrays.copyOfRange(body, introAt, introAt + h);
    long epoch = d.epoch();
    int count = Wire.batchCount(body, d.len);
    b.republishing = 1; // until every one is published: a refusal on the spot must not settle early
    for (int i = 0, at = 0; i < count; i++) {
      int n = Wire.batchFrameLength(body, d.len, i);
      if (again.get(i)) {
        long id = partId(d.messageId(), i);
        boolean hopeless = b.hopeless != null && b.hopeless.get(i);
        if (hopeless) {
          log.warn(
              "dead-lettering message {} of batch {} ({} bytes): it cannot be handled, or it"
                  + " failed again",
              i,
              Long.toHexString(d.messageId()),
              n);
        } else if (b.failed != null && b.failed.get(i)) {
          failedOnce.add(key(id)); // a second failure here dead-letters it
        }
        byte[] single = new byte[n + h + Wire.TRAILER];
        System.arraycopy(body, at, single, 0, n);
        b.republishing++;
        int part = i;
        link.publish(
            new BrokerLink.Out(
                "",
                hopeless ? dead : to,
                false,
                d.props,
                Wire.seal(single, n, id, epoch, intro),
                error -> republished(d, b, part, error),
                null));
      }
      at += n;
    }
    republished(d, b, -1, null);
  }

  /**
   * Message {@code index} of a batch, published again alone, was confirmed or refused ({@code
   * index} -1: all of them are published); from any thread. When one was refused, the batch is
   * given back to the broker whole, and the messages of it handled here or confirmed alone are
   * remembered, so that its redelivery hands on only the refused ones ({@link #partDone}).
   */
  private void republished(Delivery d, Batch b, int index, @Nullable Throwable error) {
    if (!link.loop.inEventLoop()) {
      link.loop.execute(() -> republished(d, b, index, error));
      return;
    }
    if (error != null) {
      if (b.refused == null) {
        b.refused = new java.util.BitSet();
      }
      b.refused.set(index);
    }
    if (--b.republishing > 0) {
      return;
    }
    d.parts = null;
    java.util.BitSet refused = b.refused;
    if (refused == null) {
      done(d);
      return;
    }
    log.warn(
        "batch {} goes back to the broker whole: {} of its messages could not be published again"
            + " alone (is the address queue full?)",
        Long.toHexString(d.messageId()),
        refused.cardinality());
    RecentIds done = givenBackDone;
    if (done == null) {
      givenBackDone = done = new RecentIds(WINDOW);
    }
    int count = Wire.batchCount(d.body, d.len);
    for (int i = 0; i < count; i++) {
      if (!refused.get(i)) {
        done.add(key(partId(d.messageId(), i)));
      }
    }
    forget(d);
    link.reject(d, true);
  }
}
