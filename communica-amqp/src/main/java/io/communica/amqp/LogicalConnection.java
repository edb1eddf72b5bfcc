package io.communica.amqp;

import io.communica.core.ConnectionLostException;
import io.communica.core.frame.ControlFrames;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.FrameListener;
import io.communica.core.transport.WriteListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * What client and server logical connections share: the link's loop, frames restored from AMQP
 * bodies and handed to the session, PINGs answered here, acknowledgement of handled messages.
 */
abstract class LogicalConnection implements FrameConnection {

  private static final byte[] PONG = pongBody();

  final BrokerLink link;
  final Inbox inbox;

  // loop-confined
  @Nullable FrameListener listener;
  boolean closed;

  LogicalConnection(BrokerLink link, Inbox inbox) {
    this.link = link;
    this.inbox = inbox;
  }

  /**
   * Sends a frame the session wrote (not a PING), as an AMQP body, by its type. Loop. The frame is
   * the first {@code len} bytes of {@code body}, followed by {@link #trailerRoom} bytes for the
   * trailer ({@link Wire#seal}).
   */
  abstract void route(int type, byte[] body, int len, ByteBuf frame, @Nullable WriteListener l);

  /** The room to leave after a frame of {@code type} for the trailer it will be published with. */
  abstract int trailerRoom(int type);

  abstract String describe();

  @Override
  public final void write(ByteBuf frame) {
    write(frame, null);
  }

  @Override
  public final void write(ByteBuf frame, @Nullable WriteListener l) {
    int type = frame.getUnsignedByte(frame.readerIndex() + FrameHeader.OFF_TYPE);
    if (closed && type != FrameType.REFUSE) {
      frame.release();
      if (l != null) {
        l.onWritten(new ConnectionLostException("connection to " + describe() + " closed"));
      }
      return;
    }
    if (type == FrameType.PING) {
      frame.release();
      // liveness is the transport's business; the session's keep-alive is answered here
      link.loop.execute(() -> deliver(PONG));
      return;
    }
    try {
      int len = frame.readableBytes();
      route(type, Wire.body(frame, trailerRoom(type)), len, frame, l);
    } finally {
      frame.release();
    }
  }

  /**
   * Loop: the transport found the peer alive by its own liveness rules (the client heard a server
   * process, the server heard the client), which the session hears as a PONG. Over a broker the
   * session's PINGs are answered here and never travel, so without it a session that writes all
   * the time and reads nothing (a client sending only fire-and-forget messages) would send no PING,
   * read no frame, and close itself at its keep-alive timeout although the transport sees the
   * address alive.
   */
  final void alive() {
    deliver(PONG);
  }

  /**
   * How often a link's ticker runs: a third of the liveness period, at most 10 s (so that {@link
   * #alive} keeps sessions with the default keep-alive timeout of 30 s, or longer, open whatever the
   * liveness), at least 100 ms.
   */
  static long tickNanos(long livenessNanos) {
    return Math.max(100_000_000L, Math.min(livenessNanos / 3, 10_000_000_000L));
  }

  /** Hands a bare frame to the session. Loop. */
  final void deliver(byte[] frame) {
    deliver(frame, frame.length);
  }

  /** Hands the frame of a delivery to the session. Loop. */
  final void deliver(BrokerLink.Delivery d) {
    deliver(d.body, d.len);
  }

  /** Hands the frame in the first {@code len} bytes of {@code body} to the session. Loop. */
  final void deliver(byte[] body, int len) {
    deliverPart(body, 0, len);
    readComplete();
  }

  /**
   * Hands the frame of {@code len} bytes at {@code off} in {@code body} to the session, within a
   * read burst that {@link #readComplete} ends. Loop.
   */
  final void deliverPart(byte[] body, int off, int len) {
    FrameListener l = listener;
    if (l == null || closed) {
      return;
    }
    ByteBuf f = Unpooled.wrappedBuffer(body, off, len);
    try {
      l.onFrame(f);
    } finally {
      f.release();
    }
  }

  /** Ends a read burst: the session flushes what it wrote during it. Loop. */
  final void readComplete() {
    FrameListener l = listener;
    if (l != null && !closed) {
      l.onReadComplete();
    }
  }

  final void writable() {
    FrameListener l = listener;
    if (l != null && !closed) {
      l.onWritable();
    }
  }

  private static byte[] pongBody() {
    ByteBuf pong = ControlFrames.pong(ByteBufAllocator.DEFAULT);
    try {
      return Wire.body(pong);
    } finally {
      pong.release();
    }
  }

  @Override
  public final void messageHandled(int id, @Nullable Throwable failure) {
    inbox.handled(id, failure);
  }

  @Override
  public final boolean inLoop() {
    return link.loop.inEventLoop();
  }

  @Override
  public final void execute(Runnable task) {
    // the session's hand-offs (a request written from the caller's thread) run at once when the
    // loop is idle: the caller publishes, as with the raw client, instead of waking the loop
    link.loop.executeOrRun(task);
  }

  @Override
  public final Future<?> schedule(Runnable task, long delay, TimeUnit unit) {
    return link.loop.schedule(task, delay, unit);
  }

  @Override
  public final void flush() {
    // every frame is published when written; amqp-client sends each publish at once
  }

  @Override
  public final boolean isWritable() {
    return link.isWritable();
  }

  @Override
  public final ByteBufAllocator alloc() {
    return ByteBufAllocator.DEFAULT;
  }

  @Override
  public final String remoteAddress() {
    return describe();
  }
}
