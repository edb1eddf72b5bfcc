package io.communica.core.internal.session;

import io.communica.core.OverloadedException;
import io.communica.core.transport.FrameConnection;
import io.netty.util.internal.PlatformDependent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import org.jspecify.annotations.Nullable;

/**
 * What a session's callers hand over to be written: requests and messages from any thread, bound
 * by the queue limit and the memory budget, written through the {@link FrameWriter} on the loop.
 *
 * <p>Other threads hand items over through {@link #submit}, which queues them on a lock-free queue
 * and schedules one drain task when none is pending; the drain writes everything queued and flushes
 * once. Work that starts on the loop writes directly and is flushed at the end of the read burst.
 * Items that find the transport full wait on the loop, in order, where the deadline sweep can time
 * them out ({@link #expireStalled}).
 */
final class Outbox implements Runnable {

  /** How deep sends made from completions on the loop may nest before they are queued. */
  static final int MAX_DIRECT_DEPTH = 8;

  private final Session session;
  private final FrameConnection conn;
  private final FrameWriter writer;

  // loop-confined
  private int directDepth;
  /** Whether a drain is writing: {@link #now} is then {@link #drainNanos}. */
  private boolean draining;
  /** {@link System#nanoTime()} when the running drain began. */
  private long drainNanos;
  /** Items taken from the outbox while the transport was full, in order; made when first needed. */
  private @Nullable ArrayDeque<Outbound> stalled;

  // shared
  @SuppressWarnings("rawtypes")
  private static final AtomicReferenceFieldUpdater<Outbox, Queue> QUEUE =
      AtomicReferenceFieldUpdater.newUpdater(Outbox.class, Queue.class, "queue");
  private static final AtomicIntegerFieldUpdater<Outbox> DRAIN_SCHEDULED =
      AtomicIntegerFieldUpdater.newUpdater(Outbox.class, "drainScheduled");
  private static final AtomicReferenceFieldUpdater<Outbox, Submitted> SUBMITTED =
      AtomicReferenceFieldUpdater.newUpdater(Outbox.class, Submitted.class, "submitted");
  private static final AtomicLongFieldUpdater<Outbox> BUDGETED =
      AtomicLongFieldUpdater.newUpdater(Outbox.class, "budgeted");

  /**
   * What other threads hand over; made by the first of them (a padded queue of some 700 bytes,
   * which most server connections, replying on their loop, never need). Small chunks for the same
   * reason (the default chunk is 1024 slots).
   */
  private volatile @Nullable Queue<Outbound> queue;
  private volatile int drainScheduled;
  /**
   * Bytes handed over so far, on a cache line of its own (made with the first item counted; some
   * 140 bytes that a connection then keeps, where one that only ever writes on its loop has none):
   * the sending thread adds each item to it without writing a line the loop writes. Counted here
   * and in {@link #drainedBytes} rather than in one count both threads update, whose cache line
   * went back and forth between their cores once per message (the largest item of a
   * fire-and-forget sender's profile). Whoever reads both reads the drained count first.
   */
  private volatile @Nullable Submitted submitted;
  /** Bytes that left the queue so far (loop-written, settled in steps of {@link #SETTLE_BYTES}). */
  private volatile long drainedBytes;
  /** Bytes of the queue counted against the memory budget: what exceeds its free part. */
  private volatile long budgeted;

  Outbox(Session session, FrameConnection conn, FrameWriter writer) {
    this.session = session;
    this.conn = conn;
    this.writer = writer;
  }

  /** A counter padded to a cache line of its own (the superclasses' fields come first). */
  static class SubmittedPad {
    long p0, p1, p2, p3, p4, p5, p6;
  }

  /** See {@link Submitted}. */
  static class SubmittedBytes extends SubmittedPad {
    static final AtomicLongFieldUpdater<SubmittedBytes> BYTES =
        AtomicLongFieldUpdater.newUpdater(SubmittedBytes.class, "bytes");
    volatile long bytes;
  }

  /** Bytes handed over to an outbox, alone on its cache line. */
  static final class Submitted extends SubmittedBytes {
    long q0, q1, q2, q3, q4, q5, q6;
  }

  private Submitted submitted() {
    Submitted c = submitted;
    if (c == null) {
      c = new Submitted();
      if (!SUBMITTED.compareAndSet(this, null, c)) {
        c = submitted;
      }
    }
    return c;
  }

  /** The queue other threads hand items over on, made by the first that needs it. */
  private Queue<Outbound> queue() {
    Queue<Outbound> q = queue;
    if (q == null) {
      q = PlatformDependent.newMpscQueue(32, 1 << 30);
      if (!QUEUE.compareAndSet(this, null, q)) {
        q = queue;
      }
    }
    return q;
  }

  private boolean queueEmpty() {
    Queue<Outbound> q = queue;
    return q == null || q.isEmpty();
  }

  private @Nullable Outbound pollQueue() {
    Queue<Outbound> q = queue;
    return q == null ? null : q.poll();
  }

  /** Loop (the queue's one consumer): the item {@link #pollQueue} would take, left in place. */
  private @Nullable Outbound peekQueue() {
    Queue<Outbound> q = queue;
    return q == null ? null : q.peek();
  }

  /** Loop. */
  private boolean stalledEmpty() {
    ArrayDeque<Outbound> st = stalled;
    return st == null || st.isEmpty();
  }

  /**
   * Hands an item over from any thread. Returns false, leaving the item to the caller, when the
   * session is closed.
   */
  boolean submit(Outbound o) {
    if (!session.isOpen()) {
      return false;
    }
    if (conn.inLoop()
        && session.isEstablished()
        && directDepth < MAX_DIRECT_DEPTH
        && stalledEmpty()
        && queueEmpty()
        && writer.takes(o.size())) {
      // a completion that sends again (a message per completed message) would recurse through
      // here without bound: past a few levels the item takes the queue instead
      directDepth++;
      try {
        o.write(session);
      } finally {
        directDepth--;
      }
      writer.afterDirectWrite();
      return true;
    }
    int size = o.size();
    Submitted counted = submitted();
    // the drained count first: what other threads add meanwhile can only raise the figure, so it
    // is never below the true one (read after the add, it could take off their items too)
    long drained = drainedBytes;
    long queued = Submitted.BYTES.addAndGet(counted, size) - drained;
    long maxQueuedBytes = session.settings().maxQueuedBytes();
    if (queued > maxQueuedBytes && queued != size) {
      Submitted.BYTES.addAndGet(counted, -size);
      o.fail(
          new OverloadedException(
              "more than " + maxQueuedBytes + " bytes are queued for " + session.describe()));
      return true;
    }
    // budgeted is never negative: this is only past the free part
    long beyond = queued - MemoryBudget.FREE_QUEUE;
    if (beyond > budgeted && !budget(beyond - budgeted)) {
      Submitted.BYTES.addAndGet(counted, -size);
      o.fail(
          new OverloadedException(
              "cannot queue for " + session.describe() + ": " + session.account.overBudget()));
      return true;
    }
    if (conn.inLoop() && session.isEstablished() && queueEmpty() && !conn.isWritable()) {
      // on the loop with the transport full (a read burst that sends a request per reply passes
      // the transport's mark): the item waits in order with the stalled ones, where the drain
      // takes it, without the hand-over queue and its drain task
      ArrayDeque<Outbound> st = stalled;
      if (st == null) {
        stalled = st = new ArrayDeque<>();
      }
      st.add(o);
      session.requester().scheduleSweep();
      return true;
    }
    queue().offer(o);
    if (drainScheduled == 0 && DRAIN_SCHEDULED.compareAndSet(this, 0, 1)) {
      conn.execute(this);
    }
    return true;
  }

  /**
   * Bytes of the budget taken ahead of what the queue holds beyond its free part, when the budget
   * has room for them, so that the items that follow are covered without updating the budget each:
   * three atomic operations an item otherwise, on counters the loop updates too. The loop gives
   * back what exceeds the queue's need whenever it settles what it drained.
   */
  static final long BUDGET_STEP = 16 * 1024;

  /**
   * Takes {@code need} more bytes of the budget for the queue, and {@link #BUDGET_STEP} ahead when
   * the budget has room for them without shedding anyone; false when even {@code need} is refused.
   */
  private boolean budget(long need) {
    long taken;
    if (session.account.tryReserve(need + BUDGET_STEP)) {
      taken = need + BUDGET_STEP;
    } else if (session.account.reserve(need)) {
      taken = need;
    } else {
      return false;
    }
    BUDGETED.addAndGet(this, taken);
    return true;
  }

  /**
   * Bytes drained before they are taken off the queued count (one atomic update per this many,
   * or per item above it).
   */
  private static final int SETTLE_BYTES = 64 * 1024;

  /** The drain task (see {@link #drain}). */
  @Override
  public void run() {
    drain();
  }

  /** Loop: writes what is queued, as far as the transport takes it, and flushes. */
  void drain() {
    drainScheduled = 0;
    if (session.isClosed()) {
      failAll(session.closing.error());
      return;
    }
    if (!session.isEstablished()) {
      return;
    }
    long drained = 0;
    Outbound o;
    draining = true;
    drainNanos = System.nanoTime();
    try {
      while (!writer.backlogged()) {
        ArrayDeque<Outbound> st = stalled;
        boolean fromStalled = st != null && !st.isEmpty();
        o = fromStalled ? st.peek() : peekQueue();
        if (o == null || !writer.takes(o.size())) {
          break;
        }
        if (fromStalled) {
          st.poll();
        } else {
          pollQueue();
        }
        drained += o.size();
        if (drained >= SETTLE_BYTES) {
          // a write may complete its caller (a refusal, a failure), who may send again at once:
          // its bytes leave the count first, else a large item would count twice against the
          // bound; small ones are settled together, at most this many bytes late
          dequeued(drained);
          drained = 0;
        }
        o.write(session);
      }
    } finally {
      draining = false;
    }
    if (!conn.isWritable()) {
      // the transport is full: what is queued waits on the loop, where the sweep can time it out
      while ((o = pollQueue()) != null) {
        ArrayDeque<Outbound> st = stalled;
        if (st == null) {
          stalled = st = new ArrayDeque<>();
        }
        st.add(o);
      }
      if (!stalledEmpty()) {
        session.requester().scheduleSweep();
      }
    }
    if (drained != 0) {
      dequeued(drained);
    }
    writer.flushIfDirty();
  }

  /** Loop: the transport takes writes again. */
  void onWritable() {
    writer.writable();
    if (!queueEmpty() || !stalledEmpty()) {
      drain();
    }
    writer.resumeFragments();
  }

  /** Loop: whether items wait that the deadline sweep must watch. */
  boolean hasStalled() {
    return !stalledEmpty();
  }

  /** Loop: fails the items waiting for a full transport whose deadline passed. */
  void expireStalled(long now) {
    if (stalledEmpty()) {
      return;
    }
    long removed = 0;
    @Nullable List<Outbound> expired = null;
    for (var it = stalled.iterator(); it.hasNext(); ) {
      Outbound o = it.next();
      if (now - o.deadline() >= 0) {
        it.remove();
        removed += o.size();
        if (expired == null) {
          expired = new ArrayList<>();
        }
        expired.add(o);
      }
    }
    if (expired != null) {
      // out of the count before their callers hear of it (they may send again at once)
      dequeued(removed);
      for (Outbound o : expired) {
        o.fail(o.timeoutError());
      }
    }
  }

  /** Loop: the session closed; everything waiting fails with {@code error}. */
  void failAll(Throwable error) {
    Outbound o;
    long drained = 0;
    ArrayDeque<Outbound> st = stalled;
    while ((st != null && (o = st.poll()) != null) || (o = pollQueue()) != null) {
      drained += o.size();
      o.fail(error);
    }
    dequeued(drained);
    writer.failFragments(error);
  }

  /** Loop: {@code n} bytes left the queue; the budget gets back what no longer exceeds its free part. */
  private void dequeued(long n) {
    if (n == 0) {
      return;
    }
    long drained = drainedBytes + n;
    drainedBytes = drained;
    Submitted counted = submitted;
    long queued = counted == null ? 0 : counted.bytes - drained;
    long target = Math.max(0, queued - MemoryBudget.FREE_QUEUE);
    long b = budgeted;
    if (b > target && BUDGETED.compareAndSet(this, b, target)) {
      session.account.release(b - target);
    }
  }

  /**
   * Loop: the time for the deadline check of an item about to be written: read once per drain
   * rather than once per item (a clock read costs as much as the rest of writing a small
   * message). Within a drain it lags by at most the drain's duration, so an item may be written
   * that much after its deadline, never failed before it.
   */
  long now() {
    return draining ? drainNanos : System.nanoTime();
  }

  /** Bytes queued and not yet taken by the transport (any thread). */
  long queued() {
    long drained = drainedBytes;
    Submitted counted = submitted;
    return counted == null ? 0 : counted.bytes - drained;
  }

  /** Large messages went out and the fragmenter takes more: what is queued may follow. */
  void backlogCleared() {
    if (!queueEmpty() || !stalledEmpty()) {
      conn.execute(this);
    }
  }
}
