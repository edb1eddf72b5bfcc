package io.communica.netty;

import io.communica.core.transport.FrameListener;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/** A frame listener for tests of the handler's place in the pipeline: it notes the close only. */
final class ClosingListener implements FrameListener {
  final AtomicBoolean closedTwice = new AtomicBoolean();
  boolean closed;

  @Override
  public void onFrame(ByteBuf frame) {}

  @Override
  public void onProtocolError(String reason) {}

  @Override
  public void onReadComplete() {}

  @Override
  public void onWritable() {}

  @Override
  public void onClosed(@Nullable Throwable cause) {
    if (closed) {
      closedTwice.set(true);
    }
    closed = true;
  }
}
