package io.communica.core.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One connection of a transport, carrying whole frames in both directions. Frames are the wire
 * format of {@code docs/PROTOCOL.md} ({@link io.communica.core.frame}) <em>without</em> length
 * prefix, in both directions: a stream transport adds the prefix when it writes ({@link
 * io.communica.core.frame.FrameBatch}) and strips it when it reads ({@link
 * io.communica.core.frame.LengthCodec}); a message transport sends each frame as one message.
 *
 * <p>A connection has one thread or serial executor, its <em>loop</em>, on which every {@link
 * FrameListener} callback runs and on which {@link #write} and {@link #flush} must be called. The
 * session above uses it to keep its state confined and to coalesce writes: it writes every frame
 * ready in one turn and flushes once.
 *
 * @since 0.1
 */
public interface FrameConnection {

  /** Whether the calling thread is this connection's loop. */
  boolean inLoop();

  /** Runs a task on the loop, after tasks submitted before it. */
  void execute(Runnable task);

  /** Runs a task on the loop after a delay; the future cancels it. */
  Future<?> schedule(Runnable task, long delay, TimeUnit unit);

  /**
   * The event loop this connection's tasks run on, when it is one thread that runs them alone, so
   * that state the session keeps per thread on it is per loop: the keep-alives of all connections
   * of that loop then share one scheduled task. Connections on the same loop return the same
   * object. Null (the default) for a loop that runs on threads it shares, such as a serial
   * executor over a pool; every connection then schedules its own.
   *
   * @since 0.1
   */
  default @Nullable Object eventLoop() {
    return null;
  }

  /**
   * Queues one whole frame (without length prefix) for sending, taking ownership of the buffer.
   * Loop only. A stream transport may coalesce small frames until {@link #flush()}.
   */
  void write(ByteBuf frame);

  /**
   * Queues a frame like {@link #write(ByteBuf)} and tells {@code listener} once the transport has
   * taken responsibility for it: a stream transport when the frame is queued (the default, at
   * once), a broker when it confirmed the message. The listener is called once, from any thread,
   * with the error when the frame was refused or its connection lost first. Loop only. The session
   * uses it for fire-and-forget messages, whose {@code Mono} completes at that point; the listener
   * is the message's own state object, so a stream transport allocates nothing for it.
   */
  default void write(ByteBuf frame, WriteListener listener) {
    write(frame);
    listener.onWritten(null);
  }

  /**
   * Queues one frame in two parts, like {@link #write(ByteBuf)}: the readable bytes of {@code
   * header} (copied before this returns; the buffer stays the caller's) followed by those of {@code
   * payload} (taken over and sent as it is, without a copy). Loop only. The session writes large
   * payloads this way; a stream transport copies the header into its write batch and hands the
   * payload on after it, with no composite buffer in between. The default makes one frame of the
   * two.
   *
   * @since 0.3
   */
  default void writeParts(ByteBuf header, ByteBuf payload) {
    int h = header.readableBytes();
    ByteBuf copy;
    try {
      copy = alloc().ioBuffer(h).writeBytes(header, header.readerIndex(), h);
    } catch (RuntimeException | OutOfMemoryError e) {
      payload.release();
      throw e;
    }
    CompositeByteBuf frame;
    try {
      frame = alloc().compositeDirectBuffer(2);
    } catch (RuntimeException | OutOfMemoryError e) {
      copy.release();
      payload.release();
      throw e;
    }
    frame.addComponents(true, copy, payload);
    write(frame);
  }

  /**
   * Queues a frame held in {@code length} bytes of {@code array} from {@code offset}, like {@link
   * #write(ByteBuf, WriteListener)}; the array is not changed or kept after the call. Loop only.
   * The session writes fire-and-forget messages that sending threads encoded into chunks of their
   * own this way; a stream transport copies the bytes into its write batch. The default wraps the
   * bytes in a buffer.
   *
   * @since 0.3
   */
  default void write(byte[] array, int offset, int length, WriteListener listener) {
    write(Unpooled.copiedBuffer(array, offset, length), listener);
  }

  /**
   * The handler of an inbound MESSAGE frame finished: {@code failure} is null when it returned
   * normally, else what it threw (a {@code RequestException} with code {@code UNKNOWN_ROUTE} or
   * {@code INVALID_DATA} when no handler could take the message). {@code id} is the frame's id
   * field as the transport delivered it. Called once per MESSAGE frame, from any thread, possibly
   * after the connection closed (messages already received are still handled). A transport that
   * acknowledges deliveries (a broker) acknowledges here, so that a message whose process dies
   * before its handler finished is delivered again; the default does nothing.
   */
  default void messageHandled(int id, @Nullable Throwable failure) {}

  /** Sends everything written so far. Loop only. */
  void flush();

  /**
   * Whether the transport accepts more writes without buffering past its high-water mark. When it
   * turns false the session stops writing until {@link FrameListener#onWritable()}, but for what
   * its {@link #writeAhead} allows.
   */
  boolean isWritable();

  /** Bytes written and not yet sent, where the transport knows it; 0 otherwise. */
  default long pendingWriteBytes() {
    return 0;
  }

  /**
   * How many bytes the transport may hold unsent ({@link #pendingWriteBytes}) while the session
   * goes on writing past {@link #isWritable} turning false: it writes what its callers hand over
   * up to this (and at most half its queue bound), counting what the transport holds past its mark
   * on the memory budget, so that a stream of large frames costs one system call per this many
   * bytes rather than per high-water mark; messages larger than a frame still wait for the mark. 0
   * (the default, for transports that cannot say what they hold, and once the transport closed):
   * the session stops at the mark. Loop only.
   *
   * @since 0.3
   */
  default long writeAhead() {
    return 0;
  }

  /** Allocator for frames sent on this connection. */
  ByteBufAllocator alloc();

  /** Closes the connection; {@link FrameListener#onClosed} follows on the loop. Idempotent. */
  void close();

  /**
   * Human-readable address of the peer, e.g. {@code 127.0.0.1:53122} or a socket path: the same
   * (equal) value for the whole life of the connection, also after it closed. A session does not
   * keep it but asks for it when it makes a {@code ClientInfo} (a client's disconnection event
   * included), so it may be made on each call; it is asked for rarely, never per message.
   */
  String remoteAddress();

  /**
   * The peer's operating-system identity where the transport can read it (local sockets); like
   * {@link #remoteAddress()}, the same value for the whole life of the connection.
   */
  default @Nullable PeerCredentials peerCredentials() {
    return null;
  }

  /**
   * The transport's admission check for the client on this connection, asked by the server's
   * session when the client's HELLO arrives. Admits everyone by default.
   */
  default AdmissionCheck admission() {
    return AdmissionCheck.ALLOW_ALL;
  }
}
