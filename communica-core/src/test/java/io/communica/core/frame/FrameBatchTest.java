package io.communica.core.frame;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.communica.test.LeakCheckExtension;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class FrameBatchTest {

  static {
    LeakCheckExtension.install();
  }

  /** Allocates until told to fail, then fails as a JVM out of direct memory does. */
  private static final class FailingAllocator extends AbstractByteBufAllocator {
    boolean fail;

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
      return Unpooled.buffer(initialCapacity, maxCapacity);
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
      return Unpooled.directBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
      return false;
    }

    @Override
    public ByteBuf ioBuffer(int initialCapacity, int maxCapacity) {
      if (fail) {
        throw new OutOfMemoryError("Cannot reserve " + initialCapacity + " bytes of direct buffer memory");
      }
      return super.ioBuffer(initialCapacity, maxCapacity);
    }
  }

  private static ByteBuf frame(int size) {
    return ByteBufAllocator.DEFAULT.heapBuffer(size).writeZero(size);
  }

  /** A heap buffer whose readable bytes start inside its array: {@code offset} bytes before. */
  private static ByteBuf heapAtOffset(byte[] bytes, int offset) {
    byte[] array = new byte[offset + bytes.length + offset];
    Arrays.fill(array, (byte) 0x55);
    System.arraycopy(bytes, 0, array, offset, bytes.length);
    // a slice's array offset is where it starts; its reader index moves past a skipped byte
    ByteBuf b = Unpooled.wrappedBuffer(array).slice(offset - 1, bytes.length + 1);
    b.skipBytes(1);
    return b;
  }

  @Test
  void heapFramesAndHeadersAreCopiedFromWhereTheirBytesStartInTheirArray() {
    List<ByteBuf> sent = new ArrayList<>();
    FrameBatch batch = FrameBatch.to(ByteBufAllocator.DEFAULT, sent::add);
    byte[] small = new byte[FrameHeader.SIZE + 3];
    byte[] header = new byte[FrameHeader.SIZE];
    for (int i = 0; i < small.length; i++) {
      small[i] = (byte) (i + 1);
    }
    for (int i = 0; i < header.length; i++) {
      header[i] = (byte) (100 + i);
    }
    ByteBuf headerBuf = heapAtOffset(header, 7);
    int payloadSize = FrameBatch.SMALL_FRAME + 1;
    ByteBuf payload = Unpooled.directBuffer(payloadSize).writeZero(payloadSize);
    batch.add(heapAtOffset(small, 5));
    batch.add(headerBuf, payload);
    headerBuf.release();
    batch.finish();
    ByteBuf out = Unpooled.buffer();
    sent.forEach(b -> out.writeBytes(b));
    sent.forEach(ByteBuf::release);
    assertThat(out.readInt()).isEqualTo(small.length);
    assertThat(ByteBufUtil.getBytes(out.readSlice(small.length))).containsExactly(small);
    assertThat(out.readInt()).isEqualTo(header.length + payloadSize);
    assertThat(ByteBufUtil.getBytes(out.readSlice(header.length))).containsExactly(header);
    assertThat(out.readableBytes()).isEqualTo(payloadSize);
    out.release();
  }

  @Test
  void aSmallFrameIsReleasedWhenItsBatchBufferCannotBeAllocatedAndNothingIsSentTwice() {
    FailingAllocator alloc = new FailingAllocator();
    List<ByteBuf> sent = new ArrayList<>();
    FrameBatch batch = FrameBatch.to(alloc, sent::add);
    int perBatch = FrameBatch.BATCH_SIZE / (FrameBatch.SMALL_FRAME + LengthCodec.PREFIX);
    for (int i = 0; i < perBatch; i++) {
      batch.add(frame(FrameBatch.SMALL_FRAME));
    }
    assertThat(sent).isEmpty();
    alloc.fail = true;
    ByteBuf next = frame(FrameBatch.SMALL_FRAME);
    // the full batch is handed on, then the buffer for the next one cannot be had
    assertThatThrownBy(() -> batch.add(next)).isInstanceOf(OutOfMemoryError.class);
    assertThat(next.refCnt()).isZero();
    assertThat(sent).hasSize(1);
    batch.finish();
    batch.discard();
    assertThat(sent).as("the batch handed on is not handed on again").hasSize(1);
    sent.forEach(ByteBuf::release);
  }

  @Test
  void aLargeFrameIsReleasedWhenItsLengthPrefixCannotBeAllocated() {
    FailingAllocator alloc = new FailingAllocator();
    List<ByteBuf> sent = new ArrayList<>();
    FrameBatch batch = FrameBatch.to(alloc, sent::add);
    alloc.fail = true;
    ByteBuf large = frame(4 * FrameBatch.SMALL_FRAME);
    assertThatThrownBy(() -> batch.add(large)).isInstanceOf(OutOfMemoryError.class);
    assertThat(large.refCnt()).isZero();
    assertThat(sent).isEmpty();
    alloc.fail = false;
    batch.add(frame(10));
    batch.finish();
    assertThat(sent).hasSize(1);
    sent.forEach(ByteBuf::release);
  }

  /** A sink that owns and releases what it is handed, then throws as a closed transport's may. */
  private static final class ThrowingSink extends FrameBatch {
    boolean fail;
    int sent;

    ThrowingSink() {
      super(ByteBufAllocator.DEFAULT);
    }

    @Override
    protected void send(ByteBuf bytes) {
      bytes.release();
      sent++;
      if (fail) {
        throw new IllegalStateException("the transport is closed");
      }
    }
  }

  @Test
  void aFrameTakenOverIsReleasedWhenHandingOnTheBatchBeforeItThrows() {
    int n = 3 * FrameBatch.SMALL_FRAME;
    // a large frame with room in front for its prefix, after small frames in the batch
    ThrowingSink batch = new ThrowingSink();
    batch.add(frame(10));
    ByteBuf inFront = ByteBufAllocator.DEFAULT.heapBuffer(LengthCodec.PREFIX + n);
    inFront.setIndex(LengthCodec.PREFIX, LengthCodec.PREFIX).writeZero(n);
    batch.fail = true;
    assertThatThrownBy(() -> batch.add(inFront)).isInstanceOf(IllegalStateException.class);
    assertThat(inFront.refCnt()).isZero();
    batch.discard();

    // a large frame whose prefix goes at the end of the batch
    ThrowingSink second = new ThrowingSink();
    second.add(frame(10));
    ByteBuf noRoom = frame(n);
    second.fail = true;
    assertThatThrownBy(() -> second.add(noRoom)).isInstanceOf(IllegalStateException.class);
    assertThat(noRoom.refCnt()).isZero();
    second.discard();

    // a split frame: its payload waits behind its header
    ThrowingSink third = new ThrowingSink();
    ByteBuf header = frame(12);
    ByteBuf payload = frame(n);
    third.fail = true;
    assertThatThrownBy(() -> third.add(new SplitFrame(ByteBufAllocator.DEFAULT, header, payload)))
        .isInstanceOf(IllegalStateException.class);
    assertThat(payload.refCnt()).isZero();
    assertThat(header.refCnt()).isZero();
    third.discard();

    // a small frame that finds the batch full: the full batch is handed on first
    ThrowingSink fourth = new ThrowingSink();
    int perBatch = FrameBatch.BATCH_SIZE / (FrameBatch.SMALL_FRAME + LengthCodec.PREFIX);
    for (int i = 0; i < perBatch; i++) {
      fourth.add(frame(FrameBatch.SMALL_FRAME));
    }
    ByteBuf small = frame(FrameBatch.SMALL_FRAME);
    fourth.fail = true;
    assertThatThrownBy(() -> fourth.add(small)).isInstanceOf(IllegalStateException.class);
    assertThat(small.refCnt()).isZero();
    assertThat(fourth.sent).isEqualTo(1);
    fourth.discard();
  }

  /** The bytes of everything sent, in order. */
  private static byte[] joined(List<ByteBuf> sent) {
    ByteBuf all = Unpooled.buffer();
    for (ByteBuf b : sent) {
      all.writeBytes(b, b.readerIndex(), b.readableBytes());
      b.release();
    }
    byte[] bytes = new byte[all.readableBytes()];
    all.readBytes(bytes);
    return bytes;
  }

  @Test
  void aLargeFrameWithRoomInFrontCarriesItsOwnPrefixAndSmallFramesAndArraysKeepTheirOrder() {
    FailingAllocator alloc = new FailingAllocator();
    List<ByteBuf> sent = new ArrayList<>();
    FrameBatch batch = FrameBatch.to(alloc, sent::add);
    int n = 3 * FrameBatch.SMALL_FRAME;
    ByteBuf large = ByteBufAllocator.DEFAULT.heapBuffer(LengthCodec.PREFIX + n);
    large.setIndex(LengthCodec.PREFIX, LengthCodec.PREFIX).writeBytes(new byte[n]);
    batch.add(frame(10).setByte(0, 1));
    batch.add(new byte[] {9, 2, 3, 9}, 1, 2);
    batch.finish(); // the batch goes: the large frame finds no batch with room for its prefix
    alloc.fail = true; // and needs no buffer for it
    batch.add(large);
    alloc.fail = false;
    batch.add(frame(1).setByte(0, 5));
    batch.finish();
    assertThat(sent).hasSize(3);
    assertThat(sent.get(1)).isSameAs(large);
    ByteBuf expected = Unpooled.buffer();
    expected.writeInt(10).writeByte(1).writeZero(9);
    expected.writeInt(2).writeByte(2).writeByte(3);
    expected.writeInt(n).writeZero(n);
    expected.writeInt(1).writeByte(5);
    byte[] want = new byte[expected.readableBytes()];
    expected.readBytes(want);
    assertThat(joined(sent)).isEqualTo(want);
  }

  @Test
  void aSplitFrameSendsItsHeaderInTheBatchAndItsPayloadAsItIsAndTheBatchGoesOnAfterIt() {
    FailingAllocator alloc = new FailingAllocator();
    List<ByteBuf> sent = new ArrayList<>();
    FrameBatch batch = FrameBatch.to(alloc, sent::add);
    int n = 3 * FrameBatch.SMALL_FRAME;
    ByteBuf header = frame(12).setByte(0, 7);
    ByteBuf payload = frame(n).setByte(0, 8);
    batch.add(frame(10).setByte(0, 1));
    batch.add(new SplitFrame(alloc, header, payload));
    alloc.fail = true; // the small frame after it fills the same batch buffer
    batch.add(frame(1).setByte(0, 5));
    batch.finish();
    alloc.fail = false;
    assertThat(header.refCnt()).as("the header was copied and released").isZero();
    assertThat(sent).hasSize(3);
    assertThat(sent.get(1)).isSameAs(payload);
    assertThat(payload.refCnt()).isEqualTo(1);
    List<ByteBuf> held = new ArrayList<>(sent);
    ByteBuf expected = Unpooled.buffer();
    expected.writeInt(10).writeByte(1).writeZero(9);
    expected.writeInt(12 + n).writeByte(7).writeZero(11);
    expected.writeByte(8).writeZero(n - 1);
    expected.writeInt(1).writeByte(5);
    byte[] want = new byte[expected.readableBytes()];
    expected.readBytes(want);
    assertThat(joined(sent)).isEqualTo(want);
    assertThat(held).allSatisfy(b -> assertThat(b.refCnt()).isZero());
  }

  @Test
  void aBatchWhoseBytesAllWentOnInViewsIsReleasedAtTheFlush() {
    FailingAllocator alloc = new FailingAllocator();
    List<ByteBuf> sent = new ArrayList<>();
    FrameBatch batch = FrameBatch.to(alloc, sent::add);
    ByteBuf large = frame(2 * FrameBatch.SMALL_FRAME);
    batch.add(large); // no room in front: its prefix goes into a batch, handed on as a view
    batch.finish();
    assertThat(sent).hasSize(2);
    assertThat(sent.get(1)).isSameAs(large);
    ByteBuf view = sent.get(0);
    assertThat(view.readableBytes()).isEqualTo(LengthCodec.PREFIX);
    view.release();
    large.release();
    assertThat(view.refCnt()).as("the batch under the view is released too").isZero();
  }

  @Test
  void aBatchIsSizedByWhatTheBatchesBeforeTheLastFlushHeld() {
    assertThat(FrameBatch.sizeFor(0)).isEqualTo(FrameBatch.MIN_BATCH_SIZE);
    assertThat(FrameBatch.sizeFor(FrameBatch.MIN_BATCH_SIZE + 1))
        .isEqualTo(2 * FrameBatch.MIN_BATCH_SIZE);
    assertThat(FrameBatch.sizeFor(FrameBatch.BATCH_SIZE)).isEqualTo(FrameBatch.BATCH_SIZE);
    FailingAllocator alloc = new FailingAllocator();
    List<ByteBuf> sent = new ArrayList<>();
    FrameBatch batch = FrameBatch.to(alloc, sent::add);
    batch.add(frame(10));
    batch.finish();
    assertThat(sent.get(0).capacity()).isEqualTo(FrameBatch.BATCH_SIZE);
    batch.add(frame(10));
    batch.finish();
    assertThat(sent.get(1).capacity()).isEqualTo(FrameBatch.MIN_BATCH_SIZE);
    for (int i = 0; i < 3; i++) { // the small batch takes one of them
      batch.add(frame(FrameBatch.SMALL_FRAME));
    }
    batch.finish();
    assertThat(sent).hasSize(2 + 2);
    assertThat(sent.get(2).capacity()).isEqualTo(FrameBatch.MIN_BATCH_SIZE);
    assertThat(sent.get(3).capacity())
        .as("a full batch is followed by a large one")
        .isEqualTo(FrameBatch.BATCH_SIZE);
    batch.add(frame(10));
    batch.finish();
    assertThat(sent.get(4).capacity())
        .as("after a flush that filled a batch")
        .isEqualTo(FrameBatch.BATCH_SIZE);
    sent.forEach(ByteBuf::release);
  }
}
