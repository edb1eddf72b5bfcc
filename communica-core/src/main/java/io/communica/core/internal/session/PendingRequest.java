package io.communica.core.internal.session;

import io.communica.core.OverloadedException;
import io.communica.core.Payload;
import io.communica.core.RequestTimeoutException;
import io.communica.core.SerializationException;
import io.communica.core.Serializer;
import io.communica.core.frame.FrameHeader;
import io.netty.buffer.ByteBuf;
import java.lang.reflect.Type;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;

/**
 * One request from subscribe to reply: the subscription handed to the caller's subscriber, the
 * queued frame, and the entry in the session's correlation map ({@link Requester}).
 */
final class PendingRequest<T> extends OutboundMessage<T> {

  final String route;
  private final Type replyType;
  private final Serializer serializer;
  private volatile @Nullable Session session;
  int id;

  PendingRequest(
      CoreSubscriber<? super T> actual,
      String route,
      ByteBuf frame,
      Type replyType,
      Serializer serializer,
      Duration timeout) {
    super(actual, frame, timeout);
    this.route = route;
    this.replyType = replyType;
    this.serializer = serializer;
  }

  @Override
  public void write(Session s) {
    Requester requester = s.requester();
    if (requester.pendingCount() >= s.settings().maxInFlight()) {
      fail(
          new OverloadedException(
              s.settings().maxInFlight() + " requests are already waiting for replies on "
                  + s.describe()));
      return;
    }
    ByteBuf f = take(s);
    if (f == null) {
      return;
    }
    id = requester.register(this);
    f.setInt(f.readerIndex() + FrameHeader.OFF_ID, id);
    session = s;
    s.out.writeMessage(f, null);
    if (isDone()) {
      // cancelled while we registered: the canceller may not have seen the session yet
      requester.cancel(this);
    }
  }

  @Override
  public RequestTimeoutException timeoutError() {
    return new RequestTimeoutException(
        "no reply within " + timeout.toMillis() + " ms"
            + onRoute()
            + TIMEOUT_HINT);
  }

  /** On the loop: the reply arrived. */
  void complete(int flags, int contentType, ByteBuf payload) {
    if (!markDone()) {
      return;
    }
    if ((flags & FrameHeader.FLAG_EMPTY) != 0) {
      ended(null);
      actual.onComplete();
      return;
    }
    if (replyType == Payload.class) {
      completePayload(payload);
      return;
    }
    if (contentType != serializer.contentType()) {
      SerializationException error =
          new SerializationException(
              "the reply" + onRoute() + " is in " + Frames.contentTypeName(contentType)
                  + " but this side decodes " + Frames.contentTypeName(serializer.contentType()));
      ended(error);
      actual.onError(error);
      return;
    }
    Object value;
    try {
      value = serializer.decode(payload, replyType);
    } catch (RuntimeException e) {
      // the serializer's own errors say what is wrong; this says which reply
      String why = e instanceof SerializationException ? e.getMessage() : e.toString();
      SerializationException error =
          new SerializationException(
              "cannot decode the reply" + onRoute() + " as " + replyType.getTypeName() + ": " + why,
              e);
      ended(error);
      actual.onError(error);
      return;
    }
    ended(null);
    @SuppressWarnings("unchecked")
    T t = (T) value;
    complete(t);
  }

  /** A reply taken as a {@link Payload}: a view of the read buffer, held on the budget. */
  private void completePayload(ByteBuf payload) {
    Session s = session;
    Payload value;
    try {
      value = Payloads.received(payload, s.account);
    } catch (RuntimeException e) {
      ended(e);
      actual.onError(e);
      return;
    }
    ended(null);
    @SuppressWarnings("unchecked")
    T t = (T) value;
    complete(t);
  }

  /** A reply the subscriber cancelled meanwhile: a payload is closed, not dropped. */
  @Override
  protected void discard(@Nullable T value) {
    Payloads.discard(value);
    super.discard(value);
  }

  @Override
  void cancelled() {
    Session s = session;
    if (s != null) {
      s.execute(() -> s.requester().cancel(this));
    } else {
      super.cancelled();
    }
  }

  /** Names the route in errors: " to route 'x'", or nothing for a simple entity. */
  private String onRoute() {
    return route.isEmpty() ? "" : " to route '" + route + "'";
  }
}
