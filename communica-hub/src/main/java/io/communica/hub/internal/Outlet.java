package io.communica.hub.internal;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.publisher.Operators;

/**
 * One subscriber's bounded buffer on the hub: emitters {@link #offer} items from their own threads
 * and never wait; the buffer hands them to the current stream as the subscriber's credits allow. A
 * full buffer applies the subscriber's overflow policy, so a slow subscriber costs the others
 * nothing and the hub at most {@code capacity} items. The stream may go away (a lost connection)
 * and another {@link #subscribe} later takes over what is buffered (a node back within its
 * reconnect window).
 *
 * @param <T> the buffered item type
 */
public class Outlet<T> implements Publisher<Object> {

  /** Overflow policies, as {@code io.communica.hub.Overflow} ordinals. */
  public static final int DROP_OLDEST = 0;

  public static final int DROP_NEWEST = 1;
  public static final int ERROR = 2;

  private final int capacity;
  private final int policy;
  private final @Nullable AtomicLong budget;
  private final AtomicInteger wip = new AtomicInteger();

  // guarded by this
  private final ArrayDeque<T> queue = new ArrayDeque<>();
  private @Nullable Attachment current;
  private long requested;
  private long dropped;
  /** The end to deliver once the queue is empty: {@link #COMPLETE} or a {@link Throwable}. */
  private @Nullable Object end;
  private boolean ended;

  private static final Object COMPLETE = new Object();

  /**
   * @param budget the hub-wide bytes buffered by all outlets, which {@link #size} counts into;
   *     null when items are not counted
   */
  public Outlet(int capacity, int policy, @Nullable AtomicLong budget) {
    this.capacity = capacity;
    this.policy = policy;
    this.budget = budget;
  }

  /** The bytes an item holds, for the budget. */
  protected long size(T item) {
    return 0;
  }

  /** What the stream receives for an item (the subscription's count of drops beside it). */
  protected Object deliverable(T item, long dropped) {
    return item;
  }

  /** What the stream receives first, on each {@link #subscribe}; null for nothing. */
  protected @Nullable Object greeting() {
    return null;
  }

  /** The stream was cancelled (unsubscribed, or its connection lost). */
  protected void detached() {}

  /** The policy ended this outlet with an error; the owner removes it. */
  protected void overflowed() {}

  /** The error an {@link #ERROR} overflow ends the stream with. */
  protected Throwable overflowError() {
    return new IllegalStateException("overflow");
  }

  /**
   * Offers an item: true when the buffer took it (with {@link #DROP_OLDEST} it always does, dropping
   * the oldest when full), false when it was dropped or the outlet has ended. {@code maxBytes} is
   * the hub-wide budget: past it the item counts as an overflow.
   */
  public final boolean offer(T item, long maxBytes) {
    boolean accepted;
    boolean overflow = false;
    long bytes = size(item);
    synchronized (this) {
      if (ended) {
        return false;
      }
      boolean full =
          queue.size() >= capacity || (budget != null && budget.get() + bytes > maxBytes);
      if (!full) {
        queue.add(item);
        charge(bytes);
        accepted = true;
      } else if (policy == DROP_OLDEST && !queue.isEmpty()) {
        T old = queue.poll();
        charge(-size(old));
        queue.add(item);
        charge(bytes);
        dropped++;
        accepted = true;
      } else if (policy == ERROR) {
        dropped++;
        ended = true;
        end = overflowError();
        accepted = false;
        overflow = true;
      } else {
        dropped++;
        accepted = false;
      }
    }
    if (overflow) {
      overflowed();
    }
    drain();
    return accepted;
  }

  /** Ends the stream after what is buffered (an event dissolved). */
  public final void complete() {
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
      end = COMPLETE;
    }
    drain();
  }

  /** Ends the outlet at once, dropping what is buffered; the stream, if any, completes. */
  public final void discard() {
    synchronized (this) {
      clear();
      if (!ended) {
        ended = true;
        end = COMPLETE;
      }
    }
    drain();
  }

  /** Events lost to overflow so far. */
  public final synchronized long dropped() {
    return dropped;
  }

  /** Items buffered now. */
  public final synchronized int buffered() {
    return queue.size();
  }

  private void clear() {
    for (T t : queue) {
      charge(-size(t));
    }
    queue.clear();
  }

  private void charge(long bytes) {
    if (budget != null && bytes != 0) {
      budget.addAndGet(bytes);
    }
  }

  /** A stream takes over this outlet: the one before, if any, gets nothing more. */
  @Override
  public final void subscribe(Subscriber<? super Object> s) {
    Attachment a = new Attachment(s);
    Object hello = greeting();
    synchronized (this) {
      current = a;
      requested = 0;
      a.greeting = hello;
    }
    s.onSubscribe(a);
    drain();
  }

  private void drain() {
    if (wip.getAndIncrement() != 0) {
      return;
    }
    int missed = 1;
    while (true) {
      while (true) {
        Attachment a;
        Object out;
        Object terminal = null;
        synchronized (this) {
          a = current;
          if (a == null) {
            break;
          }
          if (a.greeting != null && requested > 0) {
            out = a.greeting;
            a.greeting = null;
            requested--;
          } else if (!queue.isEmpty() && requested > 0 && a.greeting == null) {
            T item = queue.poll();
            charge(-size(item));
            requested--;
            out = deliverable(item, dropped);
          } else if (queue.isEmpty() && end != null && a.greeting == null) {
            terminal = end;
            end = null;
            current = null;
            out = null;
          } else {
            break;
          }
        }
        if (terminal == COMPLETE) {
          a.actual.onComplete();
        } else if (terminal instanceof Throwable t) {
          a.actual.onError(t);
        } else if (out != null) {
          a.actual.onNext(out);
        }
      }
      missed = wip.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
    }
  }

  /** One stream's hold on the outlet. */
  private final class Attachment implements Subscription {
    final Subscriber<? super Object> actual;
    @Nullable Object greeting;

    Attachment(Subscriber<? super Object> actual) {
      this.actual = actual;
    }

    @Override
    public void request(long n) {
      if (!Operators.validate(n)) {
        return;
      }
      synchronized (Outlet.this) {
        if (current != this) {
          return;
        }
        requested = Operators.addCap(requested, n);
      }
      drain();
    }

    @Override
    public void cancel() {
      boolean was;
      synchronized (Outlet.this) {
        was = current == this;
        if (was) {
          current = null;
          requested = 0;
        }
      }
      if (was) {
        detached();
      }
    }
  }
}
