package io.communica.core.internal.session;

import io.communica.core.RequestTimeoutException;
import io.communica.core.transport.WriteListener;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;

/**
 * A fire-and-forget message: its {@code Mono<Void>} completes once the transport took the frame
 * (a stream transport when it queued it, a broker when it confirmed it).
 */
final class FireItem extends OutboundMessage<Void> implements WriteListener {

  FireItem(CoreSubscriber<? super Void> actual, ByteBuf frame, Duration timeout) {
    super(actual, frame, timeout);
  }

  @Override
  public void write(Session s) {
    ByteBuf f = take(s);
    if (f != null) {
      s.out.writeMessage(f, this);
    }
  }

  /** The transport took the message (error null) or could not; from any thread. */
  @Override
  public void onWritten(@Nullable Throwable error) {
    if (markDone()) {
      ended(error);
      if (error == null) {
        actual.onComplete();
      } else {
        actual.onError(error);
      }
    }
  }

  @Override
  public RequestTimeoutException timeoutError() {
    return new RequestTimeoutException("message not sent within " + timeout.toMillis() + " ms" + TIMEOUT_HINT);
  }
}
