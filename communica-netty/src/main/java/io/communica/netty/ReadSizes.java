package io.communica.netty;

import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.DefaultMaxMessagesRecvByteBufAllocator;
import io.netty.util.internal.AdaptiveCalculator;

/**
 * How much each read asks of the socket: Netty's adaptive sizes up to its 64 KiB; after a readiness
 * event whose reads took more than 64 KiB, up to {@code max} ({@link
 * NettyTransport#MAX_READ}) until an event finds 64 KiB or less waiting.
 *
 * <p>A peer with a burst of large messages in flight (256 requests of 4 KiB are 1 MiB) is then read
 * in one or two system calls instead of one per 64 KiB, and the replies to a read leave in larger
 * writes. A connection whose events find 64 KiB or less waiting reads exactly as with Netty's
 * allocator; one that fell behind by more reads up to {@code max} until it has caught up (the
 * first read after a quiet spell included). A frame left partial in a large read buffer is copied
 * out of it ({@link NettyFrameConnection}), so that a peer that stops mid-frame does not hold it.
 * Up to 16 reads per readiness event, as Netty gives a socket channel's own allocator (one set
 * through the channel option would otherwise read once per event).
 *
 * <p>One instance serves every channel (each gets its own handle), so its settings are shared:
 * communica never changes them (no {@code MAX_MESSAGES_PER_READ} option on its channels). The
 * handle keeps Netty's size calculator itself rather than a whole Netty handle around it: an idle
 * connection holds one handle, and the wrapped one cost it 72 bytes more. The calculator is
 * Netty's internal class ({@code io.netty.util.internal.AdaptiveCalculator}, Netty 4.2), so a
 * Netty upgrade that moves it breaks this build rather than changing read sizes unnoticed; {@code
 * ReadSizeTest} compares the sizes read for read with Netty's own handle.
 */
final class ReadSizes extends DefaultMaxMessagesRecvByteBufAllocator {

  /** The largest read of Netty's default adaptive allocator, which this one follows up to there. */
  static final int NETTY_MAX = AdaptiveRecvByteBufAllocator.DEFAULT_MAXIMUM;

  private final int max;

  ReadSizes(int max) {
    super(16);
    if (max < NETTY_MAX) {
      throw new IllegalArgumentException("max " + max + " < " + NETTY_MAX);
    }
    this.max = max;
  }

  @Override
  @SuppressWarnings("deprecation") // the interface's return type; the handle is an ExtendedHandle
  public Handle newHandle() {
    return new LargeReads();
  }

  /**
   * The read size for the event after one whose reads took {@code total} bytes: {@code max} past
   * 64 KiB, or 0 to follow Netty's guess.
   */
  private int largeRead(int total) {
    return total > NETTY_MAX ? max : 0;
  }

  private final class LargeReads extends MaxMessageHandle {
    /**
     * The sizes of Netty's adaptive allocator, told of reads as its handle tells it: of a read that
     * filled its buffer at once, of an event's total at its end.
     */
    private final AdaptiveCalculator small =
        new AdaptiveCalculator(
            AdaptiveRecvByteBufAllocator.DEFAULT_MINIMUM,
            AdaptiveRecvByteBufAllocator.DEFAULT_INITIAL,
            NETTY_MAX);
    /** {@code max} after an event that read more than 64 KiB, else 0. */
    private int large;

    @Override
    public int guess() {
      return large > 0 ? large : small.nextSize();
    }

    @Override
    public void lastBytesRead(int bytes) {
      if (bytes == attemptedBytesRead()) {
        small.record(bytes);
      }
      super.lastBytesRead(bytes);
    }

    @Override
    public void readComplete() {
      int total = totalBytesRead();
      small.record(total);
      large = largeRead(total);
    }
  }
}
