package io.communica.core.internal.session;

import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.DefaultPriorityQueue;
import io.netty.util.internal.PriorityQueueNode;
import java.util.concurrent.Future;
import org.jspecify.annotations.Nullable;

/**
 * One timer for the keep-alives of all connections whose loop is the calling thread ({@link
 * io.communica.core.transport.FrameConnection#eventLoop}): their due times in Netty's priority
 * queue (the one its event loops keep their scheduled tasks in), and one task scheduled on the
 * loop for the earliest. A connection then holds its due time and its place in the queue, 12
 * bytes, instead of a scheduled task of the loop's (64 bytes and an entry in the loop's own queue):
 * an idle connection's heap is what a server with many clients pays for each.
 * Every keep-alive still fires at its own due time, not at a shared tick.
 *
 * <p>Loop-confined: every method runs on the loop whose timer it is ({@link #ofThisLoop}).
 */
final class LoopTimer implements Runnable {

  private static final FastThreadLocal<LoopTimer> LOOPS =
      new FastThreadLocal<>() {
        @Override
        protected LoopTimer initialValue() {
          return new LoopTimer();
        }
      };

  /** The timer of the loop this thread runs. */
  static LoopTimer ofThisLoop() {
    return LOOPS.get();
  }

  /** The event loop this timer serves: the first that asked on this thread. */
  private @Nullable Object loop;

  private final DefaultPriorityQueue<Entry> queue =
      new DefaultPriorityQueue<>((a, b) -> Long.signum(a.dueAt - b.dueAt), 16);
  /** The task scheduled for the earliest due time, or null when none is. */
  private @Nullable Future<?> wake;
  /** When {@link #wake} runs ({@link System#nanoTime()}). */
  private long wakeAt;
  /** In {@link #run}: entries set again while it fires them wait for the task it schedules. */
  private boolean firing;

  private LoopTimer() {}

  /** What the timer fires: a due time and a place in the timer's queue, both the timer's. */
  abstract static class Entry implements PriorityQueueNode {
    /** When the timer fires this ({@link System#nanoTime()}). */
    long dueAt;

    private int queueIndex = INDEX_NOT_IN_QUEUE;

    /** Whether this waits in a timer's queue. */
    final boolean queued() {
      return queueIndex != INDEX_NOT_IN_QUEUE;
    }

    @Override
    public final int priorityQueueIndex(DefaultPriorityQueue<?> q) {
      return queueIndex;
    }

    @Override
    public final void priorityQueueIndex(DefaultPriorityQueue<?> q, int i) {
      queueIndex = i;
    }

    /** The due time came. */
    abstract void fire();

    /** Schedules {@code task} on the loop of the thread this entry's timer belongs to. */
    abstract Future<?> scheduleOnLoop(Runnable task, long delayNanos);
  }

  /**
   * Whether this timer serves {@code eventLoop}: the first loop to ask on this thread takes it. A
   * thread that runs more than one loop's tasks (a test's embedded loop, a loop moved to another
   * thread) serves only that one; the others' connections schedule tasks of their own.
   */
  boolean claim(Object eventLoop) {
    if (loop == null) {
      loop = eventLoop;
    }
    return loop == eventLoop;
  }

  /** Entries waiting (for tests). */
  int size() {
    return queue.size();
  }

  /** Sets {@code k} to fire {@code delayNanos} from now, in place of any earlier setting. */
  void set(Entry k, long delayNanos) {
    queue.removeTyped(k);
    long due = System.nanoTime() + delayNanos;
    k.dueAt = due;
    queue.offer(k);
    if (!firing && (wake == null || due - wakeAt < 0)) {
      arm(k, delayNanos);
    }
  }

  /** Takes {@code k} out; it does not fire. Nothing when {@code k} is not in this timer. */
  void cancel(Entry k) {
    if (queue.removeTyped(k) && queue.isEmpty() && wake != null) {
      wake.cancel(false);
      wake = null;
    }
  }

  /** Fires every entry that is due, then schedules the task for the next. */
  @Override
  public void run() {
    wake = null;
    firing = true;
    try {
      long now = System.nanoTime();
      for (Entry k; (k = queue.peek()) != null && k.dueAt - now <= 0; ) {
        queue.poll();
        k.fire();
      }
    } finally {
      firing = false;
      Entry next = queue.peek();
      if (next != null && wake == null) {
        arm(next, Math.max(0, next.dueAt - System.nanoTime()));
      }
    }
  }

  /** Schedules the task through {@code k} (its connection's loop is this timer's). */
  private void arm(Entry k, long delayNanos) {
    Future<?> old = wake;
    if (old != null) {
      wake = null; // a loop that refuses the new task (shutting down) leaves no cancelled one here
      old.cancel(false);
    }
    wakeAt = System.nanoTime() + delayNanos;
    wake = k.scheduleOnLoop(this, delayNanos);
  }
}
