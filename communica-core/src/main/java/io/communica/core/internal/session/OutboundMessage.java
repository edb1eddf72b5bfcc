package io.communica.core.internal.session;

import io.communica.core.MessageTooLargeException;
import io.communica.core.RequestTimeoutException;
import io.communica.core.frame.Capabilities;
import io.communica.core.frame.FrameHeader;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Operators;

/**
 * What a requester sends and its caller waits on: a request ({@link PendingRequest}) or a
 * fire-and-forget message ({@link FireItem}). Holds the encoded frame until it is written, the
 * deadline, and the once-only outcome; it is also the subscription handed to the caller's
 * subscriber, so that no Reactor operator is assembled per call.
 */
abstract class OutboundMessage<T> extends Operators.MonoSubscriber<Object, T> implements Outbound {

  @SuppressWarnings({"rawtypes", "unchecked"})
  private static final AtomicIntegerFieldUpdater<OutboundMessage<?>> DONE =
      (AtomicIntegerFieldUpdater) AtomicIntegerFieldUpdater.newUpdater(OutboundMessage.class, "done");

  private @Nullable ByteBuf frame;
  private final int size;
  final long deadline;
  final Duration timeout;
  private volatile int done;
  private volatile @Nullable Runnable onCancelWhileWaiting;
  /** The call's record when interceptors are installed; set before the call is handed on. */
  @Nullable CallRecord record;

  OutboundMessage(CoreSubscriber<? super T> actual, ByteBuf frame, Duration timeout) {
    super(actual);
    this.frame = frame;
    this.size = frame.readableBytes();
    this.timeout = timeout;
    this.deadline = System.nanoTime() + timeout.toNanos();
  }

  /** A call whose frame of {@code size} bytes the subclass holds elsewhere (not in a buffer). */
  OutboundMessage(CoreSubscriber<? super T> actual, int size, Duration timeout) {
    super(actual);
    this.frame = null;
    this.size = size;
    this.timeout = timeout;
    this.deadline = System.nanoTime() + timeout.toNanos();
  }

  /** Takes the outcome: true for the one caller that may signal the subscriber. */
  final boolean markDone() {
    return DONE.compareAndSet(this, 0, 1);
  }

  final boolean isDone() {
    return done != 0;
  }

  /**
   * Loop: takes the frame to write, or null when there is nothing to write (the call is done, or
   * it expired or is too large for the peer and was failed here).
   */
  final @Nullable ByteBuf take(Session s) {
    ByteBuf f = frame;
    frame = null;
    if (f == null) {
      return null;
    }
    if (done != 0) {
      f.release();
      return null;
    }
    if (s.outbox.now() - deadline >= 0) {
      f.release();
      fail(timeoutError());
      return null;
    }
    Throwable refused = refusal(s, f);
    if (refused != null) {
      f.release();
      fail(refused);
      return null;
    }
    return f;
  }

  /**
   * Why a call's frame cannot go to this peer (too large for it, or metadata it does not take),
   * or null when it can.
   */
  static @Nullable Throwable refusal(Session s, ByteBuf f) {
    return refusal(
        s, FrameHeader.payloadLength(f), f.getByte(f.readerIndex() + FrameHeader.OFF_FLAGS));
  }

  /** {@link #refusal(Session, ByteBuf)} from the frame's payload length and flags. */
  static @Nullable Throwable refusal(Session s, int payload, int flags) {
    if (payload > s.terms.sendLimit()) {
      return MessageTooLargeException.of(payload, s.terms.sendLimit());
    }
    if ((flags & FrameHeader.FLAG_METADATA) != 0
        && !s.terms.has(Capabilities.REQUEST_METADATA)) {
      try {
        s.terms.require(Capabilities.REQUEST_METADATA);
      } catch (UnsupportedOperationException e) {
        return e;
      }
    }
    return null;
  }

  /** Releases a frame the subclass holds elsewhere (not in a buffer), if any; called by fail. */
  void releaseStaged() {}

  /** The call ended (error null for success): tells the interceptors, if any. */
  final void ended(@Nullable Throwable error) {
    CallRecord r = record;
    if (r != null) {
      r.end(error);
    }
  }

  @Override
  public abstract RequestTimeoutException timeoutError();

  @Override
  public final void whileWaiting(@Nullable Runnable onCancel) {
    onCancelWhileWaiting = onCancel;
  }

  @Override
  public final int size() {
    return size;
  }

  @Override
  public final long deadline() {
    return deadline;
  }

  /**
   * Fails the call and releases the frame if it was not written. Called by whoever holds the call
   * at that moment (a waiting list, the outbox, the correlation map), never concurrently with
   * {@link #write}.
   */
  @Override
  public final void fail(Throwable error) {
    ByteBuf f = frame;
    frame = null;
    ReferenceCountUtil.release(f);
    releaseStaged();
    if (markDone()) {
      ended(error);
      actual.onError(error);
    }
  }

  @Override
  public final void cancel() {
    super.cancel();
    if (markDone()) {
      CallRecord r = record;
      if (r != null) {
        r.cancelled();
      }
      cancelled();
    }
  }

  /** The caller cancelled before the outcome: a call still waiting for a connection leaves. */
  void cancelled() {
    Runnable r = onCancelWhileWaiting;
    if (r != null) {
      r.run();
    }
  }
}
