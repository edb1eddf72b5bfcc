package io.communica.core.internal;

import io.communica.core.CommunicaException;
import io.communica.core.MessageTooLargeException;
import io.communica.core.OverloadedException;
import io.communica.core.RequestTimeoutException;
import io.communica.core.SerializationException;
import io.communica.core.Serializer;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Operators;

/**
 * One request from subscribe to reply: the subscription handed to the caller's subscriber, the
 * queued frame, and the entry in the session's correlation map. No Reactor operator is assembled
 * per request: this object is the whole pipeline.
 */
final class PendingRequest<T> extends Operators.MonoSubscriber<Object, T> implements Outbound {

  @SuppressWarnings({"rawtypes", "unchecked"})
  private static final AtomicIntegerFieldUpdater<PendingRequest<?>> DONE =
      (AtomicIntegerFieldUpdater) AtomicIntegerFieldUpdater.newUpdater(PendingRequest.class, "done");

  final String route;
  private final Type replyType;
  private final Serializer serializer;
  final long deadline;
  final Duration timeout;
  private @Nullable ByteBuf frame;
  private final int size;
  private volatile int done;
  private volatile @Nullable Session session;
  int id;

  private volatile @Nullable Runnable onCancelWhileWaiting;

  PendingRequest(
      CoreSubscriber<? super T> actual,
      String route,
      ByteBuf frame,
      Type replyType,
      Serializer serializer,
      Duration timeout) {
    super(actual);
    this.route = route;
    this.frame = frame;
    this.size = frame.readableBytes();
    this.replyType = replyType;
    this.serializer = serializer;
    this.timeout = timeout;
    this.deadline = System.nanoTime() + timeout.toNanos();
  }

  boolean isDone() {
    return done != 0;
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
    if (System.nanoTime() - deadline >= 0) {
      f.release();
      fail(timeoutError());
      return;
    }
    if (s.pendingCount() >= s.config().maxInFlight()) {
      f.release();
      fail(
          new OverloadedException(
              s.config().maxInFlight() + " requests are already waiting for replies on "
                  + s.describe()));
      return;
    }
    int payload = Frames.payloadLength(f);
    if (payload > s.sendLimit()) {
      f.release();
      fail(MessageTooLargeException.of(payload, s.sendLimit()));
      return;
    }
    id = s.register(this);
    f.setInt(f.readerIndex() + Frames.OFF_ID, id);
    session = s;
    s.writeMessage(f);
    if (done != 0) {
      // cancelled while we registered: the canceller may not have seen the session yet
      s.cancelPending(this);
    }
  }

  @Override
  public RequestTimeoutException timeoutError() {
    return new RequestTimeoutException(
        "no reply within " + timeout.toMillis() + " ms" + (route.isEmpty() ? "" : " on route '" + route + "'")
            + FailFast.TIMEOUT_HINT);
  }

  /** On the loop: the reply arrived. */
  void complete(int flags, int contentType, ByteBuf payload) {
    if (!DONE.compareAndSet(this, 0, 1)) {
      return;
    }
    if ((flags & Frames.FLAG_EMPTY) != 0) {
      actual.onComplete();
      return;
    }
    Object value;
    try {
      if (contentType != serializer.contentType()) {
        throw new SerializationException(
            "the reply is in " + Frames.contentTypeName(contentType) + " but this side decodes "
                + Frames.contentTypeName(serializer.contentType()));
      }
      value = serializer.decode(payload, replyType);
    } catch (CommunicaException e) {
      actual.onError(e);
      return;
    } catch (RuntimeException e) {
      actual.onError(
          new SerializationException(
              "cannot decode the reply as " + replyType.getTypeName() + ": " + e, e));
      return;
    }
    @SuppressWarnings("unchecked")
    T t = (T) value;
    complete(t);
  }

  /**
   * Fails the request and releases the frame if it was not sent. Called by whoever holds the
   * request at that moment (a waiting list, the outbox, the correlation map), never concurrently
   * with {@link #write}.
   */
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
  public void cancel() {
    super.cancel();
    if (!DONE.compareAndSet(this, 0, 1)) {
      return;
    }
    Session s = session;
    if (s != null) {
      s.execute(() -> s.cancelPending(this));
    } else {
      Runnable r = onCancelWhileWaiting;
      if (r != null) {
        r.run();
      }
    }
  }
}
