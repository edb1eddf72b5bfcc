package io.communica.core.frame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The write side of a stream transport: adds each frame's length prefix and coalesces small frames.
 * A small frame is copied, prefix first, into one batch buffer that goes to the stream as a whole:
 * one write and one outbound-buffer entry for many messages instead of one each, which is where
 * small-message throughput is won or lost. A large frame goes as it is, after the batch before it,
 * its prefix at the end of that batch, or else in the four bytes in front of its reader index when
 * it has them (a frame handed over is owned whole: bytes before its reader index are free), or
 * else in a buffer of its own. Confined to the connection's loop.
 *
 * @since 0.2
 */
public final class FrameBatch {

  /** Frames up to this size are copied into the batch; larger ones are written as they are. */
  public static final int SMALL_FRAME = 1024;

  /** Capacity of a batch buffer. */
  public static final int BATCH_SIZE = 16 * 1024;

  private final ByteBufAllocator alloc;
  private final Consumer<ByteBuf> sink;
  private @Nullable ByteBuf batch;

  /**
   * @param alloc allocates the batch buffers
   * @param sink takes the bytes to send, in order, and owns them
   */
  public FrameBatch(ByteBufAllocator alloc, Consumer<ByteBuf> sink) {
    this.alloc = alloc;
    this.sink = sink;
  }

  /** Adds one frame without prefix, taking ownership of it. */
  public void add(ByteBuf frame) {
    int n = frame.readableBytes();
    ByteBuf b = batch;
    if (n <= SMALL_FRAME) {
      if (b == null || b.writableBytes() < n + LengthCodec.PREFIX) {
        if (b != null) {
          batch = null;
          sink.accept(b);
        }
        b = allocate(BATCH_SIZE, frame);
        batch = b;
      }
      LengthCodec.writePrefixed(b, frame);
      frame.release();
      return;
    }
    int at = frame.readerIndex() - LengthCodec.PREFIX;
    if (at >= 0 && !frame.isReadOnly() && (b == null || b.writableBytes() < LengthCodec.PREFIX)) {
      // room in front of the frame: the prefix goes there, no buffer of its own
      if (b != null) {
        batch = null;
        sink.accept(b);
      }
      frame.setInt(at, n);
      frame.readerIndex(at);
      sink.accept(frame);
      return;
    }
    if (b == null || b.writableBytes() < LengthCodec.PREFIX) {
      if (b != null) {
        batch = null;
        sink.accept(b);
      }
      b = allocate(LengthCodec.PREFIX, frame);
    }
    b.writeInt(n);
    batch = null;
    sink.accept(b);
    sink.accept(frame);
  }

  /**
   * Adds one frame without prefix held in {@code length} bytes of {@code array} from {@code
   * offset}, copying it; the array is not kept.
   *
   * @since 0.3
   */
  public void add(byte[] array, int offset, int length) {
    if (length > SMALL_FRAME) {
      add(Unpooled.copiedBuffer(array, offset, length));
      return;
    }
    ByteBuf b = batch;
    if (b == null || b.writableBytes() < length + LengthCodec.PREFIX) {
      if (b != null) {
        batch = null;
        sink.accept(b);
      }
      b = alloc.ioBuffer(BATCH_SIZE, BATCH_SIZE);
      batch = b;
    }
    b.writeInt(length);
    b.writeBytes(array, offset, length);
  }

  /**
   * A new buffer; when it cannot be had, {@code frame} is released before the failure goes on, so
   * that a failed allocation leaks nothing.
   */
  private ByteBuf allocate(int size, ByteBuf frame) {
    try {
      return alloc.ioBuffer(size, size);
    } catch (OutOfMemoryError | RuntimeException e) {
      frame.release();
      throw e;
    }
  }

  /** Hands the batch being filled to the sink; call before flushing the stream. */
  public void finish() {
    ByteBuf b = batch;
    if (b != null) {
      batch = null;
      sink.accept(b);
    }
  }

  /** Releases the batch being filled without sending it (the connection closed). */
  public void discard() {
    ByteBuf b = batch;
    if (b != null) {
      batch = null;
      b.release();
    }
  }
}
