package io.communica.core.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One connection of a transport, carrying whole frames in both directions. Frames are the wire
 * format of {@code docs/PROTOCOL.md}, length prefix included; a transport that has its own framing
 * (a message broker) may drop and restore the prefix.
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
   * Queues one whole frame for sending, taking ownership of the buffer. Loop only. When {@link
   * #acceptsBatches()} is true the buffer may hold several whole frames back to back.
   */
  void write(ByteBuf frame);

  /**
   * Whether {@link #write} may be given several frames in one buffer: true for byte-stream
   * transports, where frames are delimited by their length prefixes anyway; false (the default) for
   * transports that carry one frame per message.
   */
  default boolean acceptsBatches() {
    return false;
  }

  /** Sends everything written so far. Loop only. */
  void flush();

  /**
   * Whether the transport accepts more writes without buffering past its high-water mark. When it
   * turns false the session stops writing until {@link FrameListener#onWritable()}.
   */
  boolean isWritable();

  /** Bytes written and not yet sent, where the transport knows it; 0 otherwise. */
  default long pendingWriteBytes() {
    return 0;
  }

  /** Allocator for frames sent on this connection. */
  ByteBufAllocator alloc();

  /** Closes the connection; {@link FrameListener#onClosed} follows on the loop. Idempotent. */
  void close();

  /** Human-readable address of the peer, e.g. {@code 127.0.0.1:53122} or a socket path. */
  String remoteAddress();

  /** The peer's operating-system identity where the transport can read it (local sockets). */
  default @Nullable PeerCredentials peerCredentials() {
    return null;
  }
}
