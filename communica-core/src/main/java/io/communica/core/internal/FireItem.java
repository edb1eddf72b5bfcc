package io.communica.core.internal;

import io.communica.core.MessageTooLargeException;
import io.communica.core.RequestTimeoutException;
import io.communica.core.transport.WriteListener;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;

/**
 * A fire-and-forget message: its {@code Mono<Void>} completes once the transport took the frame
 * (a stream transport when it queued it, a broker when it confirmed it).
 */
final class FireItem implements Outbound, Subscription, WriteListener {

  private static final AtomicIntegerFieldUpdater<FireItem> DONE =
      AtomicIntegerFieldUpdater.newUpdater(FireItem.class, "done");

  private final CoreSubscriber<? super Void> actual;
  private @Nullable ByteBuf frame;
  private final int size;
  private final long deadline;
  private final Duration timeout;
  private volatile int done;
  private volatile @Nullable Runnable onCancelWhileWaiting;

  FireItem(CoreSubscriber<? super Void> actual, ByteBuf frame, Duration timeout) {
    this.actual = actual;
    this.frame = frame;
    this.size = frame.readableBytes();
    this.timeout = timeout;
    this.deadline = System.nanoTime() + timeout.toNanos();
  }

  @Override
  public void write(Session s) {
    ByteBuf f = frame;
    frame = null;
    if (f == null) {
      return;
    }
    if (done != 0) {
      f.release();
      return;
    }
    int payload = Frames.payloadLength(f);
    if (payload > s.sendLimit()) {
      f.release();
      fail(MessageTooLargeException.of(payload, s.sendLimit()));
      return;
    }
    s.writeMessage(f, this);
  }

  /** The transport took the message (error null) or could not; from any thread. */
  @Override
  public void onWritten(@Nullable Throwable error) {
    if (DONE.compareAndSet(this, 0, 1)) {
      if (error == null) {
        actual.onComplete();
      } else {
        actual.onError(error);
      }
    }
  }

  @Override
  public RequestTimeoutException timeoutError() {
    return new RequestTimeoutException(
        "message not sent within " + timeout.toMillis() + " ms" + FailFast.TIMEOUT_HINT);
  }

  /** Fails the message and releases its frame if it was not sent; never concurrent with write. */
  @Override
  public void fail(Throwable error) {
    ByteBuf f = frame;
    frame = null;
    ReferenceCountUtil.release(f);
    if (DONE.compareAndSet(this, 0, 1)) {
      actual.onError(error);
    }
  }

  @Override
  public void whileWaiting(@Nullable Runnable onCancel) {
    onCancelWhileWaiting = onCancel;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public long deadline() {
    return deadline;
  }

  @Override
  public void request(long n) {}

  @Override
  public void cancel() {
    if (DONE.compareAndSet(this, 0, 1)) {
      Runnable r = onCancelWhileWaiting;
      if (r != null) {
        r.run();
      }
    }
  }
}
