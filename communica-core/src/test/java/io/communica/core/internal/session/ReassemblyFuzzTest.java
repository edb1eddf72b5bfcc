package io.communica.core.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.communica.test.CountingAllocator;
import io.communica.test.LeakCheckExtension;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.jspecify.annotations.Nullable;

/**
 * Property-based fuzzing of the frame reader and its reassembly: whatever frames arrive, the
 * reader dispatches messages within the maximum size or reports a protocol error, never throws,
 * holds memory in proportion to the bytes received (never to a length or count the peer claims),
 * within {@link Reassembly#MAX_PARTIAL} messages of at most the maximum size, and releases all of
 * it when the connection closes.
 */
class ReassemblyFuzzTest {

  static {
    LeakCheckExtension.install();
  }

  private static final int MAX_MESSAGE = 8 * 1024;

  @Property
  void readerStaysWithinItsBoundsAndThrowsNothing(@ForAll("frames") List<byte[]> frames) {
    CountingAllocator alloc = new CountingAllocator(MAX_MESSAGE);
    Recorder handler = new Recorder();
    FrameReader reader =
        new FrameReader(handler, alloc, new MemoryBudget(1L << 40).open(reason -> {}), MAX_MESSAGE, 16);
    long received = 0;
    for (byte[] bytes : frames) {
      if (handler.error != null) {
        break;
      }
      ByteBuf frame = Unpooled.wrappedBuffer(bytes);
      reader.read(frame);
      assertThat(frame.refCnt()).isEqualTo(1);
      received += bytes.length;
      long live = alloc.live();
      assertThat(live).isLessThanOrEqualTo((long) Reassembly.MAX_PARTIAL * MAX_MESSAGE);
      // a first fragment of n bytes starts with 4n; growth doubles at most
      assertThat(live).isLessThanOrEqualTo(4 * received);
    }
    reader.close();
    assertThat(alloc.unreleased()).isZero();
  }

  /** Frames that are mostly fragments of a few messages, some of them broken. */
  @Provide
  Arbitrary<List<byte[]>> frames() {
    Arbitrary<Integer> type =
        Arbitraries.frequency(
            net.jqwik.api.Tuple.of(4, FrameType.REQUEST),
            net.jqwik.api.Tuple.of(3, FrameType.MESSAGE),
            net.jqwik.api.Tuple.of(2, FrameType.RESPONSE),
            net.jqwik.api.Tuple.of(1, FrameType.ERROR),
            net.jqwik.api.Tuple.of(1, FrameType.PING),
            net.jqwik.api.Tuple.of(1, FrameType.CANCEL));
    Arbitrary<Integer> flags =
        Arbitraries.frequency(
            net.jqwik.api.Tuple.of(4, FrameHeader.FLAG_FOLLOWS),
            net.jqwik.api.Tuple.of(4, FrameHeader.FLAG_CONTINUED | FrameHeader.FLAG_FOLLOWS),
            net.jqwik.api.Tuple.of(3, FrameHeader.FLAG_CONTINUED),
            net.jqwik.api.Tuple.of(1, 0),
            net.jqwik.api.Tuple.of(1, 0xff));
    Arbitrary<Integer> id = Arbitraries.integers().between(0, 11);
    Arbitrary<Integer> routeLen =
        Arbitraries.frequency(
            net.jqwik.api.Tuple.of(6, 0), net.jqwik.api.Tuple.of(1, 5), net.jqwik.api.Tuple.of(1, 2000));
    Arbitrary<Integer> payload =
        Arbitraries.oneOf(
            Arbitraries.integers().between(0, 1100),
            Arbitraries.integers().between(1024, 3 * 1024),
            Arbitraries.integers().between(MAX_MESSAGE - 16, MAX_MESSAGE + 16));
    Arbitrary<Integer> version =
        Arbitraries.frequency(net.jqwik.api.Tuple.of(30, FrameHeader.VERSION), net.jqwik.api.Tuple.of(1, 1));
    Arbitrary<byte[]> frame =
        Combinators.combine(version, type, flags, id, routeLen, payload)
            .as(ReassemblyFuzzTest::frame);
    Arbitrary<byte[]> garbage = Arbitraries.bytes().array(byte[].class).ofMaxSize(40);
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(20, frame), net.jqwik.api.Tuple.of(1, garbage))
        .list()
        .ofMaxSize(24);
  }

  private static byte[] frame(
      int version, int type, int flags, int id, int routeLen, int payloadLen) {
    ByteBuf b = Unpooled.buffer(FrameHeader.SIZE + routeLen + payloadLen);
    FrameHeader.write(b, type, flags, 1, id, 0, routeLen);
    b.setByte(0, version);
    b.writeZero(routeLen + payloadLen);
    return b.array().length == b.readableBytes() ? b.array() : java.util.Arrays.copyOf(b.array(), b.readableBytes());
  }

  /** Checks that every message delivered is within the maximum size. */
  private static final class Recorder extends FrameRecorder {
    private static void check(ByteBuf payload) {
      assertThat(payload.readableBytes()).isLessThanOrEqualTo(MAX_MESSAGE);
    }

    @Override
    public void onRequest(
        boolean wantsReply, int id, int flags, int contentType, byte[] route, int routeLen,
        ByteBuf payload) {
      check(payload);
    }

    @Override
    public void onResponse(int id, int flags, int contentType, ByteBuf payload) {
      check(payload);
    }

    @Override
    public void onError(int id, int kind, ByteBuf payload) {
      check(payload);
    }
  }
}
