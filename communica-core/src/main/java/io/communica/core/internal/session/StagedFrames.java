package io.communica.core.internal.session;

import io.communica.core.Payload;
import io.communica.core.Serializer;
import io.communica.core.frame.FrameBatch;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.communica.core.internal.remote.Arguments;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;

/**
 * Fire-and-forget frames encoded by a sending thread that is not an event loop, one after the
 * other into a chunk of that thread's own, instead of a buffer each: the sender allocates one
 * array per chunk rather than one buffer per message, and the loop copies each frame from the
 * chunk into its write batch as it would copy a frame buffer. A chunk is a plain array: nobody
 * releases it; it goes with the last message that refers to it. Small frames only (up to {@link
 * FrameBatch#SMALL_FRAME}, the ones the loop copies); others are encoded into buffers as before.
 */
final class StagedFrames {

  /** Size of a chunk; a thread keeps one (and the ones its unsent messages refer to). */
  static final int CHUNK = FrameBatch.BATCH_SIZE;

  private static final ThreadLocal<StagedFrames> LOCAL = new ThreadLocal<>();

  private byte[] chunk;
  /** Writes into {@link #chunk}; its writer index is where the next frame starts. */
  private ByteBuf view;

  private StagedFrames() {
    renew();
  }

  private void renew() {
    chunk = new byte[CHUNK];
    view = Unpooled.wrappedBuffer(chunk).clear();
  }

  /**
   * Whether a MESSAGE carrying {@code data} from this thread is staged: not on an event loop
   * (where the loop's pooled buffers are cheap), with data of a small or unknown size that a
   * serializer encodes (not a {@link Payload}, which is written from its own buffer).
   */
  static boolean applies(@Nullable Object data) {
    return data != null
        && !(data instanceof Payload)
        && !(data instanceof Arguments)
        && !(data instanceof byte[] b && b.length > FrameBatch.SMALL_FRAME)
        && !FastThreadLocalThread.currentThreadHasFastThreadLocal();
  }

  /**
   * Encodes a MESSAGE frame without metadata into this thread's chunk and returns the item that
   * sends it; null when it does not fit a small frame (or the serializer failed: the caller
   * encodes it the ordinary way, which reports the error).
   */
  static @Nullable FireItem stage(
      CoreSubscriber<? super Void> actual,
      Serializer serializer,
      byte[] route,
      Object data,
      int maxMessageSize,
      Duration timeout) {
    StagedFrames st = LOCAL.get();
    if (st == null) {
      st = new StagedFrames();
      LOCAL.set(st);
    }
    ByteBuf v = st.view;
    if (v.writableBytes() < FrameBatch.SMALL_FRAME) {
      st.renew();
      v = st.view;
    }
    int start = v.writerIndex();
    try {
      FrameHeader.write(v, FrameType.MESSAGE, 0, serializer.contentType(), 0, 0, route.length);
      v.writeBytes(route);
      serializer.encode(data, v);
    } catch (RuntimeException e) {
      v.writerIndex(start);
      return null;
    }
    int length = v.writerIndex() - start;
    if (length > FrameBatch.SMALL_FRAME
        || length - FrameHeader.SIZE - route.length > maxMessageSize) {
      v.writerIndex(start);
      return null;
    }
    return new FireItem(actual, st.chunk, start, length, timeout);
  }
}
