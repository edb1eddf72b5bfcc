package io.communica.core.transport;

import org.jspecify.annotations.Nullable;

/**
 * Hears when a transport has taken responsibility for a frame written with {@link
 * FrameConnection#write(io.netty.buffer.ByteBuf, WriteListener)}.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface WriteListener {

  /** The frame was taken ({@code error} null) or could not be ({@code error} says why). Once. */
  void onWritten(@Nullable Throwable error);
}
