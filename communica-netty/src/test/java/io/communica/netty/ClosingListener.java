package io.communica.netty;

import io.communica.core.transport.FrameListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/** A frame listener for tests of the frame handler: it copies each frame and notes the close. */
final class ClosingListener implements FrameListener {
  final AtomicBoolean closedTwice = new AtomicBoolean();
  final List<byte[]> frames = new ArrayList<>();
  boolean closed;

  @Override
  public void onFrame(ByteBuf frame) {
    frames.add(ByteBufUtil.getBytes(frame));
  }

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
