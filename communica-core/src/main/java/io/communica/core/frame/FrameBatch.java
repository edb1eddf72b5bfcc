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
 * small-message throughput is won or lost. A large frame goes as it is, after the batch before it:
 * its prefix goes in the four bytes in front of its reader index when it has them (a frame handed
 * over is owned whole: bytes before its reader index are free), else at the end of the batch. A
 * {@link SplitFrame} puts its header there too, behind the prefix, and its payload follows as it
 * is. The batch so far is then handed on as a view of it, and later frames fill the rest of the
 * same buffer. Confined to the connection's loop.
 *
 * <p>What the batch hands on goes to {@link #send}: a transport either subclasses the batch (the
 * TCP and Unix-socket connections do, so that an idle connection carries no sink object besides
 * it) or hands a sink to {@link #to}.
 *
 * @since 0.2
 */
public abstract class FrameBatch {

  /** Frames up to this size are copied into the batch; larger ones are written as they are. */
  public static final int SMALL_FRAME = 1024;

  /** Largest capacity of a batch buffer (the one taken once a batch filled). */
  public static final int BATCH_SIZE = 16 * 1024;

  /**
   * Smallest capacity of a batch buffer, taken when the batch before it held less (a batch holds
   * at least one small frame).
   */
  static final int MIN_BATCH_SIZE = 2 * 1024;

  private final ByteBufAllocator alloc;
  private @Nullable ByteBuf batch;
  /** Capacity of the next batch buffer: what the batches between the last two flushes held. */
  private int nextSize = BATCH_SIZE;
  /** Whether a batch was handed on full since the last flush. */
  private boolean filled;

  /**
   * @param alloc allocates the batch buffers
   * @since 0.3
   */
  protected FrameBatch(ByteBufAllocator alloc) {
    this.alloc = alloc;
  }

  /**
   * A batch that hands what it sends to {@code sink}.
   *
   * @param alloc allocates the batch buffers
   * @param sink takes the bytes to send, in order, and owns them
   * @since 0.3
   */
  public static FrameBatch to(ByteBufAllocator alloc, Consumer<ByteBuf> sink) {
    return new FrameBatch(alloc) {
      @Override
      protected void send(ByteBuf bytes) {
        sink.accept(bytes);
      }
    };
  }

  /**
   * Takes the bytes to send, in order, and owns them (also when it throws). Called on the loop
   * from within {@link #add} and {@link #finish}, while the batch is part-way through its own
   * update: it must not call back into the batch. When it throws, the exception leaves the {@code
   * add} that called it, the frame that {@code add} took over is released, and the batch keeps
   * only what it had not handed on ({@link #discard} releases that).
   *
   * @since 0.3
   */
  protected abstract void send(ByteBuf bytes);

  /** Adds one frame without prefix, taking ownership of it. */
  public final void add(ByteBuf frame) {
    int n = frame.readableBytes();
    if (n <= SMALL_FRAME) {
      ByteBuf b = room(n + LengthCodec.PREFIX, frame);
      LengthCodec.writePrefixed(b, frame);
      frame.release();
      return;
    }
    if (frame instanceof SplitFrame split) {
      ByteBuf header = split.wholeHeader();
      if (header != null && header.readableBytes() <= SMALL_FRAME) {
        ByteBuf payload = split.payload().retain();
        try {
          add(header, payload);
        } finally {
          split.release();
        }
        return;
      }
    }
    int at = frame.readerIndex() - LengthCodec.PREFIX;
    if (at >= 0 && !frame.isReadOnly()) {
      // room in front of the frame: the prefix goes there, one outbound buffer for the frame
      ByteBuf b = batch;
      if (b != null && b.isReadable()) {
        cut(b, frame);
      }
      frame.setInt(at, n);
      frame.readerIndex(at);
      send(frame);
      return;
    }
    ByteBuf b = room(LengthCodec.PREFIX, frame);
    b.writeInt(n);
    cut(b, frame);
    send(frame);
  }

  /**
   * Adds one frame without prefix in two parts: {@code header}, copied into the batch behind the
   * frame's prefix and left to the caller, then {@code payload}, taken over and handed on as it is.
   * The header must be small (at most {@link #SMALL_FRAME} bytes).
   *
   * @since 0.3
   */
  public final void add(ByteBuf header, ByteBuf payload) {
    int h = header.readableBytes();
    ByteBuf b = room(LengthCodec.PREFIX + h, payload);
    b.writeInt(h + payload.readableBytes());
    LengthCodec.copy(b, header, header.readerIndex(), h);
    cut(b, payload);
    send(payload);
  }

  /**
   * The batch, with at least {@code size} bytes of room: the current one, or else a new one after
   * the current one is handed on. {@code frame}, taken over by the caller, is released when this
   * fails, so that a failing {@link #send} or allocation leaks nothing.
   */
  private ByteBuf room(int size, ByteBuf frame) {
    ByteBuf b = batch;
    if (b == null || b.writableBytes() < size) {
      if (b != null) {
        batch = null;
        filled = true;
        try {
          handOn(b);
        } catch (Throwable t) {
          frame.release(); // taken over, and not handed on
          throw t;
        }
      }
      b = allocate(b == null ? nextSize : BATCH_SIZE, frame);
      batch = b;
    }
    return b;
  }

  /**
   * Hands on what the batch holds so far, as a view that shares its reference count (one more
   * reference for it), and goes on filling the batch after it: a large frame that follows a batch
   * does not end it, so the small frames after it need no buffer of their own. When {@link #send}
   * throws, {@code next}, the frame taken over to go after it, is released.
   */
  private void cut(ByteBuf b, ByteBuf next) {
    int from = b.readerIndex();
    int to = b.writerIndex();
    ByteBuf part = b.retain().slice(from, to - from);
    b.readerIndex(to);
    try {
      send(part);
    } catch (Throwable t) {
      next.release();
      throw t;
    }
  }

  /** Hands a batch on, or releases it when all of it went on in {@link #cut}s. */
  private void handOn(ByteBuf b) {
    if (b.isReadable()) {
      send(b);
    } else {
      b.release();
    }
  }

  /**
   * Adds one frame without prefix held in {@code length} bytes of {@code array} from {@code
   * offset}, copying it; the array is not kept.
   *
   * @since 0.3
   */
  public final void add(byte[] array, int offset, int length) {
    if (length > SMALL_FRAME) {
      add(Unpooled.copiedBuffer(array, offset, length));
      return;
    }
    ByteBuf b = batch;
    if (b == null || b.writableBytes() < length + LengthCodec.PREFIX) {
      if (b != null) {
        batch = null;
        filled = true;
        handOn(b);
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

  /** Hands the batch being filled on; call before flushing the stream. */
  public final void finish() {
    ByteBuf b = batch;
    if (b != null) {
      batch = null;
      nextSize = filled ? BATCH_SIZE : sizeFor(b.writerIndex());
      handOn(b);
    }
    filled = false;
  }

  /**
   * The capacity of a batch for {@code used} bytes: the power of two above it, from {@link
   * #MIN_BATCH_SIZE} to {@link #BATCH_SIZE}. A connection whose flushes carry only the headers of
   * large frames, or a few small frames, takes a small buffer each time; one that fills batches
   * takes full ones.
   */
  static int sizeFor(int used) {
    int size = Integer.highestOneBit(Math.max(used, 1) * 2 - 1);
    return Math.max(MIN_BATCH_SIZE, Math.min(BATCH_SIZE, size));
  }

  /** Releases the batch being filled without sending it (the connection closed). */
  public final void discard() {
    ByteBuf b = batch;
    if (b != null) {
      batch = null;
      b.release();
    }
  }
}
