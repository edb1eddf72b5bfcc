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
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;

/**
 * Fire-and-forget frames encoded by a sending thread that is not an event loop, one after the
 * other into a chunk of that thread's own, instead of a buffer each: the sender fills a chunk
 * rather than allocating a buffer per message, and the loop copies each frame from the chunk into
 * its write batch as it would copy a frame buffer. Small frames only (up to {@link
 * FrameBatch#SMALL_FRAME}, the ones the loop copies); others are encoded into buffers as before.
 *
 * <p>Chunks are reused: each message releases its chunk once ({@link Chunk#release}) when the
 * transport copied its frame or the message failed, and a full chunk whose messages are all
 * released goes back to its thread, which keeps up to {@value #SPARES} of them besides the one it
 * fills. A chunk whose messages are never released (a message cancelled while it waited for a
 * connection) is simply not reused: it is a plain array, and goes with its last message.
 */
final class StagedFrames {

  /** Size of a chunk: some 90 messages of 64 bytes. */
  static final int CHUNK = 8 * 1024;

  /**
   * Free chunks a thread keeps besides the one it fills: enough for a sender some thousand small
   * messages ahead of the loop; at most 72 KiB a sending thread.
   */
  static final int SPARES = 8;

  private static final ThreadLocal<StagedFrames> LOCAL = new ThreadLocal<>();

  /** Chunks handed back by the thread that released their last message (any thread). */
  private final AtomicReferenceArray<Chunk> spares = new AtomicReferenceArray<>(SPARES);
  /** The chunk being filled (owner thread only). */
  private Chunk chunk;
  /**
   * {@link #chunk}'s view, kept here so that staging a message reads no field of the chunk: the
   * loop writes the chunk's count of unreleased messages as it writes them, and a read of that
   * cache line by the sender would take it back once per message.
   */
  private ByteBuf view;
  /** Messages staged in {@link #chunk} so far (owner thread only). */
  private int staged;

  /** One chunk and the count of its messages not released yet. */
  static final class Chunk {

    private static final AtomicIntegerFieldUpdater<Chunk> UNRELEASED =
        AtomicIntegerFieldUpdater.newUpdater(Chunk.class, "unreleased");

    final byte[] bytes = new byte[CHUNK];
    /** Writes into {@link #bytes}; its writer index is where the next frame starts (owner only). */
    final ByteBuf view = Unpooled.wrappedBuffer(bytes).clear();
    private final StagedFrames owner;
    /**
     * While the owner fills the chunk, minus the messages released so far; once it is full (the
     * owner adds the messages it staged), the messages not released yet. It reaches 0 exactly once
     * after that: for whoever released the last message, or for the owner when all were.
     */
    private volatile int unreleased;

    Chunk(StagedFrames owner) {
      this.owner = owner;
    }

    /** A message staged here was copied by the transport or failed; once per message, any thread. */
    void release() {
      if (UNRELEASED.decrementAndGet(this) == 0) {
        owner.giveBack(this);
      }
    }
  }

  private StagedFrames() {
    chunk = new Chunk(this);
    view = chunk.view;
  }

  /** The chunk is full: the next one, the same when all its messages were released already. */
  private void renew() {
    Chunk full = chunk;
    int n = staged;
    staged = 0;
    if (Chunk.UNRELEASED.addAndGet(full, n) == 0) {
      full.view.clear();
      return;
    }
    for (int i = 0; i < SPARES; i++) {
      Chunk c = spares.getAndSet(i, null);
      if (c != null) {
        c.view.clear();
        use(c);
        return;
      }
    }
    use(new Chunk(this));
  }

  private void use(Chunk c) {
    chunk = c;
    view = c.view;
  }

  /** All messages of {@code c} were released after it was full (any thread): it may be reused. */
  private void giveBack(Chunk c) {
    for (int i = 0; i < SPARES; i++) {
      if (spares.get(i) == null && spares.compareAndSet(i, null, c)) {
        return;
      }
    }
    // enough spares: this one goes to the collector
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
    st.staged++;
    return new FireItem(actual, st.chunk, start, length, timeout);
  }
}
