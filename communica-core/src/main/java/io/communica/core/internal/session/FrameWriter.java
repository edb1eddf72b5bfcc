package io.communica.core.internal.session;

import io.communica.core.ConnectionLostException;
import io.communica.core.frame.FrameBatch;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.SplitFrame;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.WriteListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.jspecify.annotations.Nullable;

/**
 * The write side of a session, on its loop: frames handed to the transport, large messages to the
 * {@link Fragmenter}, and the coalescing of flushes. A write made during a read burst is flushed
 * at the burst's end, one made outside it once the loop is free, so that a burst of requests and
 * replies costs one system call. What other threads hand over reaches here through the {@link
 * Outbox}. Loop-confined, but for {@link #written}.
 *
 * <p>Large replies are the exception: once {@link #REPLY_FLUSH_BYTES} of them wait in a read
 * burst, they are flushed at once, so that the peer takes the first replies while this side still
 * handles the rest of the burst, instead of the two sides taking turns.
 */
final class FrameWriter {

  /**
   * Bytes of large replies (frames of more than {@link FrameBatch#SMALL_FRAME}) written in one read
   * burst after which they are flushed without waiting for the burst's end: eight 4 KiB replies. A
   * read burst of 4 KiB requests holds 16 to 64 of them; flushed only at its end, the peer waited
   * for all their replies.
   */
  static final int REPLY_FLUSH_BYTES = 32 * 1024;

  private final Session session;
  private final FrameConnection conn;
  /**
   * What the transport holds past its mark, counted on the memory budget; made the first time the
   * transport is past it (an idle connection never is).
   */
  private @Nullable TransportHold hold;
  /** Made on the first large message. */
  private @Nullable Fragmenter fragmenter;
  private boolean reading;
  private boolean dirty;
  private boolean flushScheduled;
  private boolean wroteSinceTick;
  /** Bytes of large replies written in this read burst since the last flush. */
  private int burstReplyBytes;
  /** Loop-written, read by metrics from any thread: bytes of frames written. */
  private long written;
  /** Made on the first frame written in parts. */
  private @Nullable ByteBuf headerScratch;
  /** Made on the first flush it schedules. */
  private @Nullable Runnable flushTask;

  FrameWriter(Session session, FrameConnection conn) {
    this.session = session;
    this.conn = conn;
  }

  private TransportHold hold() {
    TransportHold h = hold;
    if (h == null) {
      hold = h = new TransportHold(session, conn, maxQueuedBytes());
    }
    return h;
  }

  /** Whether an item of {@code size} bytes may be written now ({@link TransportHold#takes}). */
  boolean takes(int size) {
    return conn.isWritable() || hold().takes(size);
  }

  /** The transport takes writes again: what it held past its mark is no longer counted. */
  void writable() {
    TransportHold h = hold;
    if (h != null) {
      h.writable();
    }
  }

  /** The fragmenter, made on the first large message. */
  private Fragmenter fragmenter() {
    Fragmenter f = fragmenter;
    if (f == null) {
      f = new Fragmenter(session, this, conn);
      fragmenter = f;
    }
    return f;
  }

  /** Whether large messages hold this connection's share (see {@link Fragmenter#backlogged}). */
  boolean backlogged() {
    Fragmenter f = fragmenter;
    return f != null && f.backlogged();
  }

  /** The transport takes writes again: large messages go on. */
  void resumeFragments() {
    Fragmenter f = fragmenter;
    if (f != null) {
      f.resume();
    }
  }

  /** The session closed: the large messages not sent fail with {@code error}. */
  void failFragments(Throwable error) {
    Fragmenter f = fragmenter;
    if (f != null) {
      f.failAll(error);
    }
  }

  /** Bytes of frames written so far (any thread; may lag). */
  long written() {
    return written;
  }

  /**
   * Writes a whole message, split into interleaved fragments when it is larger than the peer's
   * frame size; {@code listener}, if any, hears when the transport took its last frame (see {@link
   * FrameConnection#write(ByteBuf, WriteListener)}).
   */
  void writeMessage(ByteBuf frame, @Nullable WriteListener listener) {
    if (frame.readableBytes() <= session.terms.frameLimit()) {
      writeFrame(frame, listener);
    } else {
      fragmenter().add(frame, listener);
    }
  }

  /**
   * Writes one message frame in two parts, {@code header} (copied; the buffer stays the caller's)
   * and {@code payload} (taken over, sent without a copy where the transport can, see {@link
   * FrameConnection#writeParts}); a message larger than the peer's frame size goes to the
   * fragmenter as one buffer.
   */
  void writeParts(ByteBuf header, ByteBuf payload) {
    int n = header.readableBytes() + payload.readableBytes();
    if (n > session.terms.frameLimit()) {
      ByteBuf h;
      try {
        h = session.alloc().ioBuffer(header.readableBytes());
        h.writeBytes(header, header.readerIndex(), header.readableBytes());
      } catch (RuntimeException | OutOfMemoryError e) {
        payload.release();
        throw e;
      }
      writeMessage(new SplitFrame(session.alloc(), h, payload), null);
      return;
    }
    written += n;
    conn.writeParts(header, payload);
    wrote();
  }

  /**
   * An empty heap buffer to write a frame header into for {@link #writeParts}, the same one each
   * time (it is copied there).
   */
  ByteBuf headerScratch() {
    ByteBuf h = headerScratch;
    if (h == null) {
      headerScratch = h = Unpooled.buffer(FrameHeader.SIZE);
    }
    return h.clear();
  }

  /**
   * Writes a small message frame held in an array (a staged fire-and-forget message), telling
   * {@code listener} when the transport took it.
   */
  void writeStaged(byte[] chunk, int at, int length, WriteListener listener) {
    if (length > session.terms.frameLimit()) {
      // copied: the chunk is reused once this returns
      writeMessage(Unpooled.copiedBuffer(chunk, at, length), listener);
      return;
    }
    written += length;
    conn.write(chunk, at, length, listener);
    wrote();
  }

  /** Writes one frame; the flush comes at the end of the read burst or the drain. */
  void writeFrame(ByteBuf frame, @Nullable WriteListener listener) {
    written += frame.readableBytes();
    if (listener == null) {
      conn.write(frame);
    } else {
      conn.write(frame, listener);
    }
    wrote();
  }

  /**
   * After a write: a flush is due, and when the transport now holds writes it could not pass on,
   * they are counted on the budget, or, past the queue bound or the budget, the connection closes
   * (without CLOSE: the peer does not read).
   */
  private void wrote() {
    dirty = true;
    wroteSinceTick = true;
    if (!conn.isWritable()) {
      String why = hold().full();
      if (why != null) {
        peerNotReading(why);
      }
    }
  }

  /** Closes the connection (without CLOSE: the peer does not read), saying {@code why}. */
  void peerNotReading(String why) {
    session.closing.quietly(
        new ConnectionLostException(
            "closing connection with " + session.describe() + ": the peer does not read: " + why));
  }

  long maxQueuedBytes() {
    return session.settings().maxQueuedBytes();
  }

  /** Writes a control frame now and flushes it. */
  void writeNow(ByteBuf frame) {
    writeFrame(frame, null);
    flushNow();
  }

  /** After a write made on the loop outside a read burst: flush once the loop is free. */
  void afterDirectWrite() {
    if (!reading && dirty && !flushScheduled) {
      flushScheduled = true;
      Runnable task = flushTask;
      if (task == null) {
        flushTask = task = this::scheduledFlush;
      }
      conn.execute(task);
    }
  }

  private void scheduledFlush() {
    flushScheduled = false;
    flushIfDirty();
  }

  void flushIfDirty() {
    if (dirty) {
      flushNow();
    }
  }

  void flushNow() {
    dirty = false;
    burstReplyBytes = 0;
    conn.flush();
  }

  /**
   * Loop: a reply frame of {@code bytes} was written; in a read burst, large replies are flushed
   * once {@link #REPLY_FLUSH_BYTES} of them wait (small ones, coalesced into the write batch, wait
   * for the burst's end as other writes do).
   */
  void replyWritten(int bytes) {
    if (reading && bytes > FrameBatch.SMALL_FRAME) {
      burstReplyBytes += bytes;
      if (burstReplyBytes >= REPLY_FLUSH_BYTES) {
        flushNow();
      }
    }
  }

  /** A read burst begins: writes made during it are flushed at its end. */
  void startReading() {
    reading = true;
  }

  /** The read burst ended: flush what it wrote. */
  void readComplete() {
    reading = false;
    burstReplyBytes = 0;
    flushIfDirty();
  }

  /** Whether anything was written since the last call (keep-alive sends PING on silence). */
  boolean takeWroteSinceTick() {
    boolean wrote = wroteSinceTick;
    wroteSinceTick = false;
    return wrote;
  }
}
