package io.communica.core.internal.session;

import io.communica.core.RequestTimeoutException;
import io.communica.core.frame.FrameHeader;
import io.communica.core.transport.WriteListener;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Operators;

/**
 * A fire-and-forget message: its {@code Mono<Void>} completes once the transport took the frame
 * (a stream transport when it queued it, a broker when it confirmed it).
 */
final class FireItem extends OutboundMessage<Void> implements WriteListener {

  /** The frame when it was staged in a sending thread's chunk ({@link StagedFrames}), else null. */
  private StagedFrames.@Nullable Chunk staged;
  private final int stagedAt;

  FireItem(CoreSubscriber<? super Void> actual, ByteBuf frame, Duration timeout) {
    super(actual, frame, timeout);
    this.stagedAt = 0;
  }

  /** A message whose frame is {@code length} bytes of {@code chunk} from {@code at}. */
  FireItem(
      CoreSubscriber<? super Void> actual, StagedFrames.Chunk chunk, int at, int length,
      Duration timeout) {
    super(actual, length, timeout);
    this.staged = chunk;
    this.stagedAt = at;
  }

  @Override
  public void write(Session s) {
    StagedFrames.Chunk chunk = staged;
    if (chunk != null) {
      staged = null;
      try {
        writeStaged(s, chunk.bytes);
      } finally {
        // the transport copied the frame (it keeps no reference to the array) or it failed
        chunk.release();
      }
      return;
    }
    ByteBuf f = take(s);
    if (f != null) {
      s.out.writeMessage(f, this);
    }
  }

  /** Loop: the checks of {@link #take} for a staged frame, then the write. */
  private void writeStaged(Session s, byte[] chunk) {
    if (isDone()) {
      return;
    }
    if (s.outbox.now() - deadline >= 0) {
      fail(timeoutError());
      return;
    }
    int at = stagedAt;
    int routeLen =
        (chunk[at + FrameHeader.OFF_ROUTE_LEN] & 0xff) << 8
            | chunk[at + FrameHeader.OFF_ROUTE_LEN + 1] & 0xff;
    Throwable refused =
        refusal(s, size() - FrameHeader.SIZE - routeLen, chunk[at + FrameHeader.OFF_FLAGS]);
    if (refused != null) {
      fail(refused);
      return;
    }
    s.out.writeStaged(chunk, at, size(), this);
  }

  /** The chunk holding the staged frame until it is written or failed, else null (for tests). */
  StagedFrames.@Nullable Chunk stagedChunk() {
    return staged;
  }

  /** Where the staged frame starts in its chunk (for tests). */
  int stagedAt() {
    return stagedAt;
  }

  /** Never concurrently with {@link #write} (see {@link OutboundMessage#fail}). */
  @Override
  void releaseStaged() {
    StagedFrames.Chunk chunk = staged;
    if (chunk != null) {
      staged = null;
      chunk.release();
    }
  }

  /**
   * A {@code Mono<Void>} delivers no value, so demand changes nothing here: completion and errors
   * go out without it, as Reactive Streams allows terminal signals to. This skips the state
   * change {@link Operators.MonoSubscriber#request} makes for a value that may come before the
   * demand, an atomic operation per message on the sending thread (a fifth of its time in a
   * profile of the harness's fire-and-forget sender). Cancelling still goes through the state.
   */
  @Override
  public void request(long n) {
    Operators.validate(n);
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
