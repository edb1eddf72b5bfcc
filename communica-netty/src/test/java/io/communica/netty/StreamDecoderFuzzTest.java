package io.communica.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.frame.FrameException;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.LengthCodec;
import io.communica.test.CountingAllocator;
import io.communica.test.LeakCheckExtension;
import io.communica.core.transport.FrameListener;
import io.communica.core.transport.TransportOptions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.jspecify.annotations.Nullable;
import reactor.netty.Connection;

/**
 * Property-based fuzzing of the stream decoder: whatever bytes arrive, in whatever chunks, it
 * hands out frames within the limit or reports a protocol error; it throws nothing but {@link
 * FrameException}, and it buffers only bytes that arrived, never a claimed length.
 */
class StreamDecoderFuzzTest {

  static {
    LeakCheckExtension.install();
  }

  private static final int MAX_FRAME = 8 * 1024;
  private static final int MAX_CHUNK = 4 * 1024;

  @Property
  void lengthCodecThrowsOnlyFrameException(
      @ForAll("prefixed") byte[] bytes, @ForAll @IntRange(max = 300) int maxFrame) {
    ByteBuf in = Unpooled.wrappedBuffer(bytes);
    try {
      for (ByteBuf f; (f = LengthCodec.next(in, maxFrame)) != null; ) {
        assertThat(f.readableBytes())
            .isBetween(FrameHeader.SIZE, maxFrame - LengthCodec.PREFIX);
      }
    } catch (FrameException expected) {
      // the one error the decoder reports
    }
  }

  @Property
  void decoderBuffersOnlyWhatArrivedAndFailsOnlyWithAProtocolError(
      @ForAll("streams") byte[] stream, @ForAll("cuts") List<Integer> cuts) {
    // no single allocation beyond a frame and a chunk, doubled by the cumulation
    CountingAllocator alloc = new CountingAllocator(2 * (MAX_FRAME + MAX_CHUNK));
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.config().setAllocator(alloc);
    Recorder listener = new Recorder();
    NettyFrameConnection.install(
        Connection.from(ch), new TransportOptions(MAX_FRAME, Duration.ofSeconds(1)), c -> listener,
        null);
    int at = 0;
    for (int i = 0; at < stream.length && listener.error == null && ch.isActive(); i++) {
      int n = Math.min(stream.length - at, cuts.get(i % cuts.size()));
      ch.writeInbound(Unpooled.wrappedBuffer(stream, at, n));
      ch.checkException();
      at += n;
      // what is buffered grows with the bytes that arrived (the cumulation doubles its capacity
      // and compacts now and then), never with a length the peer claims
      assertThat(alloc.live()).isLessThanOrEqualTo(2L * at + 1024);
    }
    ch.finishAndReleaseAll();
    assertThat(alloc.unreleased()).isZero();
    if (listener.error != null) {
      assertThat(listener.error).containsAnyOf("frame length", "maximum frame size");
    }
  }

  @Property
  void framesCutAnyWayArriveWholeAndInOrder(
      @ForAll("validFrames") List<byte[]> frames, @ForAll("cuts") List<Integer> cuts) {
    CountingAllocator alloc = new CountingAllocator(2 * (MAX_FRAME + MAX_CHUNK));
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.config().setAllocator(alloc);
    List<byte[]> received = new ArrayList<>();
    List<ByteBuf> kept = new ArrayList<>();
    Recorder listener =
        new Recorder() {
          @Override
          public void onFrame(ByteBuf frame) {
            received.add(ByteBufUtil.getBytes(frame));
            // a listener keeping a slice past the call (as a received Payload does)
            if (received.size() % 3 == 0) {
              kept.add(frame.retainedSlice());
            }
          }
        };
    NettyFrameConnection.install(
        Connection.from(ch), new TransportOptions(MAX_FRAME, Duration.ofSeconds(1)), c -> listener,
        null);
    byte[] stream =
        concat(
            frames.stream()
                .map(f -> ByteBuffer.allocate(LengthCodec.PREFIX + f.length).putInt(f.length).put(f).array())
                .toList());
    int at = 0;
    for (int i = 0; at < stream.length; i++) {
      int n = Math.min(stream.length - at, cuts.get(i % cuts.size()));
      ByteBuf chunk = alloc.buffer(n);
      chunk.writeBytes(stream, at, n);
      ch.writeInbound(chunk);
      ch.checkException();
      at += n;
    }
    assertThat(listener.error).isNull();
    assertThat(received).hasSize(frames.size());
    for (int i = 0; i < frames.size(); i++) {
      assertThat(received.get(i)).isEqualTo(frames.get(i));
    }
    for (int i = 0; i < kept.size(); i++) {
      assertThat(ByteBufUtil.getBytes(kept.get(i))).isEqualTo(frames.get(3 * i + 2));
      kept.get(i).release();
    }
    ch.finishAndReleaseAll();
    assertThat(alloc.unreleased()).isZero();
  }

  /** Valid frames of random content, small and large. */
  @Provide
  Arbitrary<List<byte[]>> validFrames() {
    return Arbitraries.bytes()
        .array(byte[].class)
        .ofMinSize(FrameHeader.SIZE)
        .ofMaxSize(MAX_FRAME - LengthCodec.PREFIX)
        .list()
        .ofMaxSize(12);
  }

  /** Streams of valid frames, garbage and hostile length prefixes. */
  @Provide
  Arbitrary<byte[]> streams() {
    Arbitrary<byte[]> frame =
        Arbitraries.integers()
            .between(FrameHeader.SIZE, MAX_FRAME - LengthCodec.PREFIX)
            .map(n -> ByteBuffer.allocate(LengthCodec.PREFIX + n).putInt(n).array());
    Arbitrary<byte[]> prefix =
        Arbitraries.integers().map(n -> ByteBuffer.allocate(4).putInt(n).array());
    Arbitrary<byte[]> garbage = Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(6, frame),
            net.jqwik.api.Tuple.of(1, prefix),
            net.jqwik.api.Tuple.of(1, garbage))
        .list()
        .ofMaxSize(8)
        .map(StreamDecoderFuzzTest::concat);
  }

  /** Short segments, each after a length prefix that is mostly small: frames cut every way. */
  @Provide
  Arbitrary<byte[]> prefixed() {
    Arbitrary<Integer> length =
        Arbitraries.oneOf(Arbitraries.integers().between(0, 300), Arbitraries.integers());
    Arbitrary<byte[]> segment =
        Combinators.combine(length, Arbitraries.bytes().array(byte[].class).ofMaxSize(300))
            .as((n, body) -> concat(List.of(ByteBuffer.allocate(4).putInt(n).array(), body)));
    return segment.list().ofMaxSize(4).map(StreamDecoderFuzzTest::concat);
  }

  @Provide
  Arbitrary<List<Integer>> cuts() {
    return Arbitraries.integers().between(1, MAX_CHUNK).list().ofMinSize(1).ofMaxSize(8);
  }

  private static byte[] concat(List<byte[]> parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    parts.forEach(out::writeBytes);
    return out.toByteArray();
  }

  /** Checks each frame's size and keeps the protocol error, if any. */
  private static class Recorder implements FrameListener {
    @Nullable String error;

    @Override
    public void onFrame(ByteBuf frame) {
      assertThat(frame.readableBytes())
          .isBetween(FrameHeader.SIZE, MAX_FRAME - LengthCodec.PREFIX);
    }

    @Override
    public void onProtocolError(String reason) {
      error = reason;
    }

    @Override public void onReadComplete() {}
    @Override public void onWritable() {}
    @Override public void onClosed(@Nullable Throwable cause) {}
  }
}
