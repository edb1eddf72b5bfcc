package io.communica.core.transport;

import io.netty.buffer.ByteBuf;
import org.jspecify.annotations.Nullable;

/**
 * Receives what happens on a {@link FrameConnection}. Every method runs on the connection's loop.
 *
 * @since 0.1
 */
public interface FrameListener {

  /**
   * One whole frame, without length prefix. The buffer is lent for the duration of the call: the
   * listener retains it (or a slice) to keep it.
   */
  void onFrame(ByteBuf frame);

  /** The transport delivered the frames of one read burst; a good moment to flush. */
  void onReadComplete();

  /** The transport can take writes again after {@link FrameConnection#isWritable()} was false. */
  void onWritable();

  /**
   * The bytes received do not form valid frames (the reason says why). The transport closes the
   * connection after this call.
   */
  void onProtocolError(String reason);

  /**
   * The transport caught an exception (thrown by this listener, or an error of the transport
   * itself) while the connection is still open. The listener may write a last frame telling the
   * peer why; the transport closes the connection after this call. Not called for I/O errors,
   * after which nothing can be written.
   *
   * @since 0.2
   */
  default void onException(Throwable cause) {}

  /** The connection is closed; {@code cause} is the transport error that closed it, if any. */
  void onClosed(@Nullable Throwable cause);
}
