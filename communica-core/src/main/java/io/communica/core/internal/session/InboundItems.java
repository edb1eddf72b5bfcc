package io.communica.core.internal.session;

import io.communica.core.CommunicaException;
import io.communica.core.OverloadedException;
import io.communica.core.SerializationException;
import io.communica.core.Serializer;
import io.communica.core.frame.FrameHeader;
import io.netty.buffer.ByteBuf;
import java.lang.reflect.Type;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Operators;
import reactor.util.concurrent.Queues;

/**
 * The receiving side of one direction of a stream: items arrive on the loop and are decoded there,
 * wait in a queue that the credits bound ({@link Credits}: the sender may not send more than
 * granted, and only what the subscriber has taken is granted again), and reach the subscriber as it
 * requests them, on the loop or on the thread that requested. A remote error or completion reaches
 * the subscriber after the items received before it.
 */
abstract class InboundItems<T> implements Subscription {

  @SuppressWarnings("rawtypes")
  private static final AtomicIntegerFieldUpdater<InboundItems> WIP =
      AtomicIntegerFieldUpdater.newUpdater(InboundItems.class, "wip");

  @SuppressWarnings("rawtypes")
  private static final AtomicIntegerFieldUpdater<InboundItems> GRANTING =
      AtomicIntegerFieldUpdater.newUpdater(InboundItems.class, "granting");

  @SuppressWarnings("rawtypes")
  private static final AtomicLongFieldUpdater<InboundItems> REQUESTED =
      AtomicLongFieldUpdater.newUpdater(InboundItems.class, "requested");

  final int window;
  private final Type itemType;
  private final Serializer serializer;
  private final Queue<Object> queue = Queues.unbounded(64).get();
  private final Runnable grantTask = this::grant;
  @Nullable CoreSubscriber<? super T> actual;

  /** Set on the loop when the stream is open; before that nothing is granted. */
  volatile @Nullable Session session;
  /** Loop-written, read anywhere: credits granted so far. */
  private volatile long granted;
  /** Loop-confined: items received so far. */
  private long received;

  private volatile long requested;
  /** Written by the draining thread (one at a time), read by the loop: items delivered. */
  private volatile long delivered;
  private volatile int wip;
  private volatile int granting;
  volatile boolean cancelled;
  private volatile boolean done;
  private @Nullable Throwable error;

  InboundItems(int window, Type itemType, Serializer serializer) {
    this.window = window;
    this.itemType = itemType;
    this.serializer = serializer;
  }

  /** Loop: writes a REQUEST_N of {@code n} credits. */
  abstract void sendCredits(Session s, int n);

  /** The subscriber cancelled (any thread, once): the peer must stop sending. */
  abstract void cancelled();

  /**
   * Loop: an item could not be decoded, or not kept within the memory budget; the peer must stop
   * sending.
   */
  abstract void abandoned(CommunicaException e);

  /** Names the stream in errors, e.g. " of the stream from route 'x'". */
  abstract String describe();

  @Override
  public final void request(long n) {
    if (Operators.validate(n)) {
      Operators.addCap(REQUESTED, this, n);
      drain();
    }
  }

  @Override
  public final void cancel() {
    if (cancelled) {
      return;
    }
    cancelled = true;
    if (WIP.getAndIncrement(this) == 0) {
      clear();
    }
    cancelled();
  }

  /** Whether the subscriber waits for items it requested (any thread). */
  final boolean waiting() {
    return requested > delivered && !cancelled && !done;
  }

  /** Whether anything was requested yet (any thread). */
  final boolean requestedAny() {
    return requested > 0;
  }

  /**
   * Loop: the stream opens on {@code s}; returns the first credits, which travel in the frame that
   * opens it (so that over a broker no REQUEST_N can overtake that frame).
   */
  final int open(Session s) {
    session = s;
    int n = Credits.toGrant(window, 0, 0, requested);
    granted = n;
    return n;
  }

  /**
   * Loop: a NEXT arrived; false when it exceeds the credits granted (a protocol error the caller
   * reports).
   */
  final boolean onItem(int flags, int contentType, ByteBuf payload) {
    if (++received > granted) {
      return false;
    }
    if (cancelled || done) {
      return true;
    }
    Object value;
    int size = payload.readableBytes();
    try {
      value = decode(flags, contentType, payload);
      // an item waiting for its subscriber counts against the process's memory budget
      if (!session.account.reserve(size)) {
        throw new OverloadedException(
            "cannot keep an item" + describe() + ": " + session.account.overBudget());
      }
    } catch (SerializationException | OverloadedException e) {
      abandoned(e);
      onRemoteEnd(e);
      return true;
    }
    queue.offer(new Held(value, size));
    drain();
    return true;
  }

  /** An item waiting for its subscriber and the bytes it holds of the memory budget. */
  private record Held(Object value, int size) {}

  private Object decode(int flags, int contentType, ByteBuf payload) {
    if ((flags & FrameHeader.FLAG_EMPTY) != 0) {
      throw new SerializationException("a null item" + describe());
    }
    if (contentType != serializer.contentType()) {
      throw new SerializationException(
          "an item" + describe() + " is in " + Frames.contentTypeName(contentType)
              + " but this side decodes " + Frames.contentTypeName(serializer.contentType()));
    }
    try {
      return serializer.decode(payload, itemType);
    } catch (RuntimeException e) {
      String why = e instanceof SerializationException ? e.getMessage() : e.toString();
      throw new SerializationException(
          "cannot decode an item" + describe() + " as " + itemType.getTypeName() + ": " + why, e);
    }
  }

  /** The direction ended (loop or any thread): completion when null, else the error. */
  final void onRemoteEnd(@Nullable Throwable e) {
    if (done) {
      return;
    }
    error = e;
    done = true;
    drain();
  }

  final void drain() {
    if (WIP.getAndIncrement(this) != 0) {
      return;
    }
    int missed = 1;
    long e = delivered;
    for (; ; ) {
      CoreSubscriber<? super T> a = actual;
      if (a != null) {
        long r = requested;
        while (e != r) {
          if (cancelled) {
            clear();
            return;
          }
          boolean d = done;
          Held h = (Held) queue.poll();
          if (h == null) {
            if (d) {
              terminate(a);
              return;
            }
            break;
          }
          release(h);
          @SuppressWarnings("unchecked")
          T v = (T) h.value;
          a.onNext(v);
          e++;
        }
        if (cancelled) {
          clear();
          return;
        }
        if (done && queue.isEmpty()) {
          terminate(a);
          return;
        }
        delivered = e;
        replenish(e);
      }
      missed = WIP.addAndGet(this, -missed);
      if (missed == 0) {
        return;
      }
    }
  }

  private void release(Held h) {
    Session s = session;
    if (s != null) {
      s.account.release(h.size);
    }
  }

  /** Drops what waits, giving its memory back (by the thread that owns the queue). */
  private void clear() {
    for (Object o; (o = queue.poll()) != null; ) {
      release((Held) o);
    }
  }

  /** The subscriber is about to get the end: {@code error} null for completion. */
  void ending(@Nullable Throwable error) {}

  private void terminate(CoreSubscriber<? super T> a) {
    cancelled = true; // nothing more is delivered
    Throwable t = error;
    ending(t);
    if (t == null) {
      a.onComplete();
    } else {
      a.onError(t);
    }
  }

  /** After deliveries: grants more credits on the loop when half the window was taken. */
  private void replenish(long deliveredNow) {
    Session s = session;
    if (s == null || done || !Credits.due(window, granted, deliveredNow, requested)) {
      return;
    }
    if (s.connection().inLoop()) {
      grant();
    } else if (GRANTING.compareAndSet(this, 0, 1)) {
      s.execute(grantTask);
    }
  }

  /** Loop: sends the credits the policy allows now. */
  private void grant() {
    granting = 0;
    Session s = session;
    if (s == null || cancelled || done || s.isClosed()) {
      return;
    }
    int n = Credits.toGrant(window, granted, delivered, requested);
    if (n > 0) {
      granted += n;
      sendCredits(s, n);
    }
  }
}
