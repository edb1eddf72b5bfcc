package io.communica.core.frame;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledHeapByteBuf;

/**
 * An allocator of unpooled heap buffers for every kind of buffer asked for (an I/O buffer too;
 * only one asked for as direct is direct, unpooled). For frames made where Netty's pooled
 * allocators cost more than they save: on threads that are not event loops (they are served from
 * shared, contended caches and the buffer goes back across threads when the loop releases it), and
 * in transports that copy every frame into or out of their own memory at once (the shared-memory
 * rings). A small heap buffer costs an array from the thread's allocation buffer.
 *
 * @since 0.3
 */
public final class HeapFrames extends AbstractByteBufAllocator {

  /** The one instance: the allocator holds no state. */
  public static final ByteBufAllocator INSTANCE = new HeapFrames();
  private HeapFrames() {
    super(false);
  }

  @Override
  protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
    return new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
  }

  @Override
  protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
    return UnpooledByteBufAllocator.DEFAULT.directBuffer(initialCapacity, maxCapacity);
  }

  @Override
  public boolean isDirectBufferPooled() {
    return false;
  }

  @Override
  public ByteBuf ioBuffer() {
    return heapBuffer();
  }

  @Override
  public ByteBuf ioBuffer(int initialCapacity) {
    return heapBuffer(initialCapacity);
  }

  @Override
  public ByteBuf ioBuffer(int initialCapacity, int maxCapacity) {
    return heapBuffer(initialCapacity, maxCapacity);
  }
}
