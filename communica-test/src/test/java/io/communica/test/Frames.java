package io.communica.test;

import io.communica.core.frame.FrameHeader;
import io.communica.core.transport.FrameListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/** Frames and a listener for tests below the entities, on the transport SPI. */
public final class Frames {

  private Frames() {}

  /**
   * A frame of {@code size} bytes as it crosses a FrameConnection (without length prefix), filled
   * with {@code fill}.
   */
  public static ByteBuf frame(ByteBufAllocator alloc, int size, int fill) {
    ByteBuf buf = alloc.buffer(size);
    for (int i = 0; i < size; i++) {
      buf.writeByte(fill);
    }
    return buf;
  }

  /** The smallest frame there is: a header. */
  public static int minimum() {
    return FrameHeader.SIZE;
  }

  /** Records what a connection tells; keeps copies of frames, never the lent buffers. */
  public static class Recorder implements FrameListener {
    public final BlockingQueue<byte[]> frames = new LinkedBlockingQueue<>();
    public final BlockingQueue<String> errors = new LinkedBlockingQueue<>();
    public final CountDownLatch closed = new CountDownLatch(1);
    public final AtomicInteger writable = new AtomicInteger();
    public final CountDownLatch becameWritable = new CountDownLatch(1);
    public volatile @Nullable ByteBuf lastLent;

    @Override
    public void onFrame(ByteBuf frame) {
      lastLent = frame;
      frames.add(ByteBufUtil.getBytes(frame));
    }

    @Override
    public void onReadComplete() {}

    @Override
    public void onWritable() {
      writable.incrementAndGet();
      becameWritable.countDown();
    }

    @Override
    public void onProtocolError(String reason) {
      errors.add(reason);
    }

    @Override
    public void onClosed(@Nullable Throwable cause) {
      closed.countDown();
    }
  }
}
