package io.communica.core.internal.session;

import io.communica.core.CommunicaException;
import io.communica.core.OverloadedException;
import io.communica.core.RequestTimeoutException;
import io.communica.core.Serializer;
import io.communica.core.frame.Capabilities;
import io.communica.core.frame.ControlFrames;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.concurrent.Future;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;

/**
 * One stream or channel from the requesting side: the subscription handed to the caller's
 * subscriber (its items arrive through {@link InboundItems}), the REQUEST_STREAM or REQUEST_CHANNEL
 * frame waiting to be written, and the entry in the session's {@link StreamRequester}. A channel's
 * input publisher is subscribed once the channel is open and asked for what the responder grants.
 */
final class StreamCall<T> extends InboundItems<T> implements Outbound {

  private final String route;
  private final Duration timeout;
  private final long idleNanos;
  private final @Nullable Publisher<?> inputSource;
  private final Serializer serializer;
  private final int size;
  private @Nullable ByteBuf frame;
  private volatile @Nullable Runnable onCancelWhileWaiting;
  /** The call's record when interceptors are installed; set before the call is handed on. */
  @Nullable CallRecord record;
  long deadline;
  int id;

  // loop-confined
  @Nullable Input input;
  private boolean outputDone;
  private boolean inputDone;
  private boolean anyItem;
  long lastItem;
  private @Nullable Future<?> timer;

  StreamCall(
      ByteBuf frame,
      String route,
      Type itemType,
      Serializer serializer,
      Duration timeout,
      Duration idle,
      int window,
      @Nullable Publisher<?> inputSource) {
    super(window, itemType, serializer);
    this.frame = frame;
    this.size = frame.readableBytes();
    this.route = route;
    this.serializer = serializer;
    this.timeout = timeout;
    this.idleNanos = idle.toNanos();
    this.inputSource = inputSource;
    this.inputDone = inputSource == null;
    this.deadline = System.nanoTime() + timeout.toNanos();
  }

  /** A channel's input, sent as NEXT frames within the responder's credits. */
  final class Input extends OutboundItems {
    Input(Session s) {
      super(s, StreamCall.this.id, false, serializer);
    }

    @Override
    void ended(@Nullable Throwable error) {
      if (error == null) {
        session.out.writeFrame(
            ControlFrames.streamSignal(session.alloc(), FrameType.COMPLETE, id, false), null);
        inputDone = true;
        session.streamRequester().forgetIfDone(StreamCall.this);
      } else {
        // an error of the input ends both directions
        session.streamRequester().cancel(StreamCall.this);
        onRemoteEnd(error);
      }
    }
  }

  // ---------------------------------------------------------------- Outbound

  @Override
  public void write(Session s) {
    ByteBuf f = frame;
    frame = null;
    if (f == null) {
      return;
    }
    if (cancelled) {
      f.release();
      return;
    }
    Throwable refused = OutboundMessage.refusal(s, f);
    if (refused == null && !s.terms.has(Capabilities.STREAMS)) {
      try {
        s.terms.require(Capabilities.STREAMS);
      } catch (UnsupportedOperationException e) {
        refused = e;
      }
    }
    if (refused == null && System.nanoTime() - deadline >= 0) {
      refused = timeoutError();
    }
    if (refused == null && s.streamRequester().count() >= s.settings().maxInFlight()) {
      refused =
          new OverloadedException(
              s.settings().maxInFlight() + " streams are already open on " + s.describe());
    }
    if (refused != null) {
      f.release();
      fail(refused);
      return;
    }
    id = s.requester().newId();
    f.setInt(f.readerIndex() + FrameHeader.OFF_ID, id);
    f.setShort(f.readerIndex() + FrameHeader.OFF_ERROR, open(s));
    s.streamRequester().add(this);
    s.out.writeMessage(f, null);
    arm(deadline - System.nanoTime());
    if (cancelled) {
      // cancelled while it was written: the canceller saw no session yet
      s.streamRequester().cancel(this);
    }
  }

  @Override
  public void fail(Throwable error) {
    ByteBuf f = frame;
    frame = null;
    ReferenceCountUtil.release(f);
    onRemoteEnd(error);
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
  public RequestTimeoutException timeoutError() {
    return new RequestTimeoutException(
        "no item within " + timeout.toMillis() + " ms" + describe() + TIMEOUT_HINT);
  }

  @Override
  public void whileWaiting(@Nullable Runnable onCancel) {
    onCancelWhileWaiting = onCancel;
  }

  // ---------------------------------------------------------------- InboundItems

  @Override
  void sendCredits(Session s, int n) {
    s.out.writeFrame(ControlFrames.requestN(s.alloc(), id, n, false), null);
    s.out.afterDirectWrite();
  }

  @Override
  void ending(@Nullable Throwable error) {
    CallRecord r = record;
    if (r != null) {
      r.end(error);
    }
  }

  @Override
  void cancelled() {
    CallRecord rec = record;
    if (rec != null) {
      rec.cancelled();
    }
    Session s = session;
    if (s != null) {
      s.execute(() -> s.streamRequester().cancel(this));
    } else {
      Runnable r = onCancelWhileWaiting;
      if (r != null) {
        r.run();
      }
    }
  }

  @Override
  void abandoned(CommunicaException e) {
    Session s = session;
    if (s != null) {
      s.streamRequester().cancel(this);
    }
  }

  @Override
  String describe() {
    return route.isEmpty() ? " of the stream" : " of the stream from route '" + route + "'";
  }

  // ---------------------------------------------------------------- loop

  /** Loop: an item arrived. */
  void touched() {
    if (idleNanos > 0) {
      lastItem = System.nanoTime();
    }
    if (!anyItem) {
      // the first item's timeout is over: from now on only the idle timeout, if any
      anyItem = true;
      stopTimer();
      if (idleNanos > 0) {
        arm(idleNanos);
      }
    }
  }

  /** Loop: the responder completed its direction; true when the stream is over. */
  boolean outputCompleted() {
    outputDone = true;
    onRemoteEnd(null);
    return inputDone;
  }

  /**
   * Loop: the responder of a channel asks for input items. The input is subscribed at the first
   * credits, so that nothing of it (not even its completion) can reach the responder before the
   * channel is open there.
   */
  void inputCredits(int n) {
    Publisher<?> source = inputSource;
    Session s = session;
    if (source == null || s == null || inputDone) {
      return;
    }
    Input in = input;
    if (in == null) {
      in = new Input(s);
      input = in;
      source.subscribe(in);
    }
    in.credits(n);
  }

  /** Loop: the responder no longer wants the channel's input. */
  void inputCancelled() {
    inputDone = true;
    Input in = input;
    if (in != null) {
      in.stop();
    }
  }

  boolean isDone() {
    return outputDone && inputDone;
  }

  /** Loop: the stream left the session: stops the input and the timer. */
  void closed() {
    outputDone = true;
    inputCancelled();
    stopTimer();
  }

  private void stopTimer() {
    Future<?> t = timer;
    if (t != null) {
      t.cancel(false);
      timer = null;
    }
  }

  private void arm(long nanos) {
    Session s = session;
    if (s != null) {
      timer = s.schedule(this::checkTime, Math.max(nanos, 1));
    }
  }

  /** Loop: the first item within the timeout, and then none idle for longer than allowed. */
  private void checkTime() {
    timer = null;
    Session s = session;
    if (s == null || outputDone || cancelled) {
      return;
    }
    long now = System.nanoTime();
    if (!anyItem) {
      if (now - deadline < 0) {
        arm(deadline - now);
      } else if (!requestedAny()) {
        // the subscriber asked for nothing yet: the responder cannot be late
        deadline = now + timeout.toNanos();
        arm(timeout.toNanos());
      } else {
        expire(timeoutError());
      }
      return;
    }
    if (idleNanos <= 0) {
      return;
    }
    if (!waiting()) {
      lastItem = now;
      arm(idleNanos);
    } else if (now - lastItem >= idleNanos) {
      expire(
          new RequestTimeoutException(
              "no item for " + idleNanos / 1_000_000 + " ms" + describe()
                  + " (the call's idle timeout, CallOptions.withIdleTimeout)"));
    } else {
      arm(lastItem + idleNanos - now);
    }
  }

  private void expire(RequestTimeoutException e) {
    Session s = session;
    if (s != null) {
      s.streamRequester().cancel(this);
    }
    onRemoteEnd(e);
  }
}
