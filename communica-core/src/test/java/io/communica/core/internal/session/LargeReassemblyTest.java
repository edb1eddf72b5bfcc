package io.communica.core.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A fragmented message that grows past {@link Frames#LARGE} moves from direct buffers to the heap
 * once: it arrives intact, the direct buffer it grew in is released, and its share of the
 * process's heap allowance goes back when it is finished or dropped.
 */
@Timeout(30)
class LargeReassemblyTest {

  private static final int MAX_MESSAGE = 8 << 20;
  private static final int FRAGMENT = 64 * 1024 - FrameHeader.SIZE;

  /** Direct buffers by default (as a channel's allocator), each one kept to check its release. */
  private static final class Tracking extends AbstractByteBufAllocator {
    final List<ByteBuf> made = new ArrayList<>();

    Tracking() {
      super(true);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initial, int max) {
      ByteBuf b = UnpooledByteBufAllocator.DEFAULT.heapBuffer(initial, max);
      made.add(b);
      return b;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initial, int max) {
      ByteBuf b = UnpooledByteBufAllocator.DEFAULT.directBuffer(initial, max);
      made.add(b);
      return b;
    }

    @Override
    public boolean isDirectBufferPooled() {
      return false;
    }
  }

  private static byte[] pattern(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 31 + (i >>> 8));
    }
    return b;
  }

  /** The fragments of a MESSAGE with id 1 carrying {@code payload}, the last {@code leaveOut} left out. */
  private static List<ByteBuf> fragments(byte[] payload, int leaveOut) {
    List<ByteBuf> frames = new ArrayList<>();
    for (int at = 0; at < payload.length; at += FRAGMENT) {
      int n = Math.min(FRAGMENT, payload.length - at);
      boolean first = at == 0;
      boolean last = at + n == payload.length;
      int flags = (first ? 0 : FrameHeader.FLAG_CONTINUED) | (last ? 0 : FrameHeader.FLAG_FOLLOWS);
      ByteBuf f = Unpooled.buffer(FrameHeader.SIZE + 1 + n);
      FrameHeader.write(f, FrameType.MESSAGE, flags, 0, 1, 0, first ? 1 : 0);
      if (first) {
        f.writeByte('r');
      }
      f.writeBytes(payload, at, n);
      frames.add(f);
    }
    return frames.subList(0, frames.size() - leaveOut);
  }

  @Test
  void aMessageGrownPastOneMebibyteArrivesIntactFromTheHeap() {
    Tracking alloc = new Tracking();
    Received handler = new Received();
    MemoryBudget.Account account = new MemoryBudget(1L << 30).open(reason -> {});
    FrameReader reader = new FrameReader(handler, alloc, account, MAX_MESSAGE, 16);
    long heapBefore = Reassembly.heapPartials();
    byte[] sent = pattern(3 * 1024 * 1024 + 5);
    List<ByteBuf> frames = fragments(sent, 0);
    for (int i = 0; i < frames.size(); i++) {
      ByteBuf f = frames.get(i);
      reader.read(f);
      f.release();
      if (i == frames.size() - 2) {
        // grown past 1 MiB, not finished: on the heap, counted in the allowance
        assertThat(Reassembly.heapPartials()).isGreaterThan(heapBefore);
      }
    }
    assertThat(handler.error).isNull();
    assertThat(handler.payload).isEqualTo(sent);
    assertThat(handler.direct).isFalse();
    assertThat(Reassembly.heapPartials()).isEqualTo(heapBefore);
    reader.close();
    assertThat(alloc.made).allMatch(b -> b.refCnt() == 0);
    assertThat(account.held()).isZero();
  }

  @Test
  void anUnfinishedLargeMessageIsReleasedWhenTheConnectionCloses() {
    Tracking alloc = new Tracking();
    Received handler = new Received();
    MemoryBudget.Account account = new MemoryBudget(1L << 30).open(reason -> {});
    FrameReader reader = new FrameReader(handler, alloc, account, MAX_MESSAGE, 16);
    long heapBefore = Reassembly.heapPartials();
    for (ByteBuf f : fragments(pattern(3 * 1024 * 1024), 1)) {
      reader.read(f);
      f.release();
    }
    assertThat(handler.payload).isNull();
    assertThat(Reassembly.heapPartials()).isGreaterThan(heapBefore);
    reader.close();
    assertThat(Reassembly.heapPartials()).isEqualTo(heapBefore);
    assertThat(alloc.made).isNotEmpty().allMatch(b -> b.refCnt() == 0);
    assertThat(account.held()).isZero();
  }

  private static final class Received extends FrameRecorder {
    byte @Nullable [] payload;
    boolean direct;

    @Override
    public void onRequest(
        boolean wantsReply, int id, int flags, int contentType, byte[] route, int routeLen,
        ByteBuf payload) {
      this.payload = ByteBufUtil.getBytes(payload);
      this.direct = payload.isDirect();
    }
  }
}
