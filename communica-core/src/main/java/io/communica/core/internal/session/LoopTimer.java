package io.communica.core.internal.session;

import io.netty.util.concurrent.FastThreadLocal;
import java.util.Arrays;
import java.util.concurrent.Future;
import org.jspecify.annotations.Nullable;

/**
 * One timer for the keep-alives of all connections whose loop is the calling thread ({@link
 * io.communica.core.transport.FrameConnection#eventLoop}): a heap of their due times, and one
 * task scheduled on the loop for the earliest. A connection then holds its due time and its place
 * in the heap, 12 bytes, instead of a scheduled task of the loop's (64 bytes and an entry in the
 * loop's own queue): an idle connection's heap is what a server with many clients pays for each.
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

  private Entry[] heap = new Entry[16];
  private int size;
  /** The task scheduled for the earliest due time, or null when none is. */
  private @Nullable Future<?> wake;
  /** When {@link #wake} runs ({@link System#nanoTime()}). */
  private long wakeAt;
  /** In {@link #run}: entries set again while it fires them wait for the task it schedules. */
  private boolean firing;

  private LoopTimer() {}

  /** What the timer fires: a due time and a place in the heap, both the timer's. */
  abstract static class Entry {
    /** When the timer fires this ({@link System#nanoTime()}). */
    long dueAt;
    /** The place in the heap, or -1 when not in it. */
    int timerIndex = -1;

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
    return size;
  }

  /** Sets {@code k} to fire {@code delayNanos} from now, in place of any earlier setting. */
  void set(Entry k, long delayNanos) {
    long due = System.nanoTime() + delayNanos;
    int i = k.timerIndex;
    if (i >= 0 && i < size && heap[i] == k) {
      removeAt(i);
    }
    k.dueAt = due;
    add(k);
    if (!firing && (wake == null || due - wakeAt < 0)) {
      arm(k, delayNanos);
    }
  }

  /** Takes {@code k} out; it does not fire. Nothing when {@code k} is not in this timer. */
  void cancel(Entry k) {
    int i = k.timerIndex;
    if (i >= 0 && i < size && heap[i] == k) {
      removeAt(i);
      if (size == 0 && wake != null) {
        wake.cancel(false);
        wake = null;
      }
    }
  }

  /** Fires every keep-alive that is due, then schedules the task for the next. */
  @Override
  public void run() {
    wake = null;
    firing = true;
    try {
      long now = System.nanoTime();
      while (size > 0 && heap[0].dueAt - now <= 0) {
        Entry k = heap[0];
        removeAt(0);
        k.fire();
      }
    } finally {
      firing = false;
      if (size > 0 && wake == null) {
        Entry next = heap[0];
        arm(next, Math.max(0, next.dueAt - System.nanoTime()));
      }
    }
  }

  /** Schedules the task through {@code k} (its connection's loop is this timer's). */
  private void arm(Entry k, long delayNanos) {
    Future<?> old = wake;
    if (old != null) {
      old.cancel(false);
    }
    wakeAt = System.nanoTime() + delayNanos;
    wake = k.scheduleOnLoop(this, delayNanos);
  }

  // ---------------------------------------------------------------- the heap

  private void add(Entry k) {
    if (size == heap.length) {
      heap = Arrays.copyOf(heap, size * 2);
    }
    siftUp(size++, k);
  }

  private void removeAt(int i) {
    Entry gone = heap[i];
    gone.timerIndex = -1;
    int last = --size;
    Entry moved = heap[last];
    heap[last] = null;
    if (i != last) {
      siftDown(i, moved);
      if (heap[i] == moved) {
        siftUp(i, moved);
      }
    }
    if (heap.length > 16 && size < heap.length / 4) {
      heap = Arrays.copyOf(heap, heap.length / 2);
    }
  }

  private void siftUp(int i, Entry k) {
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      Entry p = heap[parent];
      if (k.dueAt - p.dueAt >= 0) {
        break;
      }
      place(i, p);
      i = parent;
    }
    place(i, k);
  }

  private void siftDown(int i, Entry k) {
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      Entry c = heap[child];
      int right = child + 1;
      if (right < size && heap[right].dueAt - c.dueAt < 0) {
        child = right;
        c = heap[child];
      }
      if (k.dueAt - c.dueAt <= 0) {
        break;
      }
      place(i, c);
      i = child;
    }
    place(i, k);
  }

  private void place(int i, Entry k) {
    heap[i] = k;
    k.timerIndex = i;
  }
}
