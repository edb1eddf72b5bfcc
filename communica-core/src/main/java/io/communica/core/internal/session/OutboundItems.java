package io.communica.core.internal.session;

import io.communica.core.MessageTooLargeException;
import io.communica.core.ResponderException;
import io.communica.core.Serializer;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.communica.core.transport.WriteListener;
import io.netty.buffer.ByteBuf;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Operators;
import reactor.util.concurrent.Queues;

/**
 * The sending side of one direction of a stream: subscribes to a local publisher and asks it for
 * exactly the credits the peer granted, so it never sends more items than granted and a peer that
 * stops granting stops the publisher. Each item is encoded where the publisher emits it and written
 * on the loop in order; an item larger than the peer's frame size goes out in fragments before the
 * next item is written, so that items never overtake each other. The terminal signal follows the
 * items.
 */
abstract class OutboundItems extends Operators.DeferredSubscription
    implements CoreSubscriber<Object>, WriteListener {

  private static final AtomicIntegerFieldUpdater<OutboundItems> WIP =
      AtomicIntegerFieldUpdater.newUpdater(OutboundItems.class, "wip");

  /** The completion marker in the queue; an error is queued as itself. */
  private static final Object COMPLETE = new Object();

  final Session session;
  final int id;
  private final boolean fromResponder;
  private final Serializer serializer;
  /** Producer: the publisher (its signals are serialized); consumer: the loop. */
  private final Queue<Object> queue = Queues.unbounded(64).get();
  private final Runnable drainTask = this::drainLoop;
  private final Runnable resumeTask = this::resume;
  private volatile int wip;

  // loop-confined
  private long credits;
  private long sent;
  private boolean paused;
  /** The terminal signal was handled (or the direction stopped): later frames are dropped. */
  boolean finished;

  OutboundItems(Session session, int id, boolean fromResponder, Serializer serializer) {
    this.session = session;
    this.id = id;
    this.fromResponder = fromResponder;
    this.serializer = serializer;
  }

  /** Loop: the publisher ended, after its items were written: null for completion. */
  abstract void ended(@Nullable Throwable error);

  /** Loop: credits arrived from the peer. */
  final void credits(int n) {
    credits += n;
    request(n);
  }

  /** Items written so far (loop). */
  final long sent() {
    return sent;
  }

  /** Credits the peer granted so far (loop). */
  final long granted() {
    return credits;
  }

  /** Loop: the peer no longer wants items (CANCEL, an error, the connection closed). */
  final void stop() {
    finished = true;
    cancel();
    for (Object o; (o = queue.poll()) != null; ) {
      if (o instanceof ByteBuf f) {
        f.release();
      }
    }
  }

  @Override
  public void onSubscribe(Subscription s) {
    set(s);
  }

  @Override
  public final void onNext(Object value) {
    ByteBuf frame;
    try {
      frame =
          Frames.message(session.alloc(), FrameType.NEXT, id, RouteIndex.NONE, value, serializer);
    } catch (Throwable t) {
      cancel();
      offer(
          new ResponderException(
              "cannot encode an item: " + t.getMessage(), ResponderException.UNENCODABLE_REPLY));
      return;
    }
    int size = FrameHeader.payloadLength(frame);
    int limit = session.terms.sendLimit();
    if (size > limit) {
      frame.release();
      cancel();
      offer(MessageTooLargeException.of(size, limit));
      return;
    }
    if (fromResponder) {
      int at = frame.readerIndex() + FrameHeader.OFF_FLAGS;
      frame.setByte(at, frame.getByte(at) | FrameHeader.FLAG_RESPONDER);
    }
    offer(frame);
  }

  @Override
  public final void onError(Throwable t) {
    offer(t);
  }

  @Override
  public final void onComplete() {
    offer(COMPLETE);
  }

  private void offer(Object o) {
    queue.offer(o);
    if (WIP.getAndIncrement(this) == 0) {
      if (session.connection().inLoop()) {
        drainLoop();
      } else {
        session.execute(drainTask);
      }
    }
  }

  private void drainLoop() {
    int missed = 1;
    for (; ; ) {
      if (!paused) {
        drainQueue();
      }
      missed = WIP.addAndGet(this, -missed);
      if (missed == 0) {
        break;
      }
    }
    session.out.afterDirectWrite();
  }

  private void drainQueue() {
    for (Object o; (o = queue.poll()) != null; ) {
      if (o instanceof ByteBuf f) {
        if (finished || session.isClosed()) {
          f.release();
        } else if (++sent > credits) {
          f.release();
          end(new IllegalStateException("the publisher emitted more items than were requested"));
        } else if (f.readableBytes() > session.terms.frameLimit()) {
          // in fragments: the next item waits until the last fragment is out
          paused = true;
          session.out.writeMessage(f, this);
          return;
        } else {
          session.out.writeFrame(f, null);
        }
      } else {
        end(o == COMPLETE ? null : (Throwable) o);
      }
    }
  }

  private void end(@Nullable Throwable error) {
    if (!finished) {
      finished = true;
      if (error != null) {
        cancel();
      }
      ended(error);
    }
  }

  /** The last fragment of a large item was taken (any thread): the next items may follow. */
  @Override
  public final void onWritten(@Nullable Throwable error) {
    session.execute(resumeTask);
  }

  private void resume() {
    paused = false;
    if (WIP.getAndIncrement(this) == 0) {
      drainLoop();
    }
  }
}
