package io.communica.test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * An allocator that keeps every buffer it hands out, so that a test can check how much memory code
 * fed with untrusted bytes holds, and that refuses (with an {@link AssertionError}) any single
 * allocation above its limit. Buffer growth is seen through the buffers' capacities. Not
 * thread-safe: for code under test on the test's thread.
 */
public final class CountingAllocator extends AbstractByteBufAllocator {

  private final int maxAllocation;
  private final List<ByteBuf> buffers = new ArrayList<>();
  private long peakLive;

  /** An allocator refusing allocations of more than {@code maxAllocation} bytes. */
  public CountingAllocator(int maxAllocation) {
    super(false);
    this.maxAllocation = maxAllocation;
  }

  @Override
  protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
    return track(new UnpooledHeapByteBuf(this, check(initialCapacity), maxCapacity));
  }

  @Override
  protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
    return track(new UnpooledDirectByteBuf(this, check(initialCapacity), maxCapacity));
  }

  @Override
  public boolean isDirectBufferPooled() {
    return false;
  }

  private int check(int capacity) {
    if (capacity > maxAllocation) {
      throw new AssertionError(
          "allocation of " + capacity + " bytes exceeds the limit of " + maxAllocation);
    }
    return capacity;
  }

  private ByteBuf track(ByteBuf buf) {
    buffers.add(buf);
    return buf;
  }

  /** Capacity of the buffers not released yet; updates {@link #peakLive()}. */
  public long live() {
    long sum = 0;
    for (ByteBuf b : buffers) {
      if (b.refCnt() > 0) {
        sum += b.capacity();
      }
    }
    peakLive = Math.max(peakLive, sum);
    buffers.removeIf(b -> b.refCnt() == 0);
    return sum;
  }

  /** The most {@link #live()} has returned. */
  public long peakLive() {
    return peakLive;
  }

  /** Buffers handed out and not released yet. */
  public int unreleased() {
    live();
    return buffers.size();
  }
}
