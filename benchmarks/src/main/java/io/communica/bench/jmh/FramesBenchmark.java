package io.communica.bench.jmh;

import io.communica.core.Utf8Serializer;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The frame codec: encoding a message frame (header, route, payload through the serializer) into
 * a pooled buffer, and reading a frame's header fields and payload back.
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar jmh FramesBenchmark
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FramesBenchmark {

  @Param({"64", "4096"})
  public int payload;

  @Param({"", "orders/create"})
  public String route;

  private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
  private final Utf8Serializer serializer = new Utf8Serializer();
  private byte[] data = new byte[0];
  private byte[] routeBytes = new byte[0];
  private ByteBuf frame = alloc.buffer();

  @Setup(Level.Trial)
  public void setup() {
    routeBytes = route.getBytes(StandardCharsets.UTF_8);
    data = new byte[payload];
    Arrays.fill(data, (byte) 'x');
    frame.release();
    frame = encode();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    frame.release();
  }

  /** A request frame as the session encodes one: header, route, payload through the serializer. */
  private ByteBuf encode() {
    ByteBuf f = alloc.ioBuffer(FrameHeader.SIZE + routeBytes.length + 64);
    FrameHeader.write(
        f, FrameType.REQUEST, 0, serializer.contentType(), 7, 0, routeBytes.length);
    f.writeBytes(routeBytes);
    serializer.encode(data, f);
    return f;
  }

  /** Encodes a request frame and releases it. */
  @Benchmark
  public int encodeMessage() {
    ByteBuf f = encode();
    int n = f.readableBytes();
    f.release();
    return n;
  }

  /** Reads what the session reads from every frame: type, flags, id, route and the payload. */
  @Benchmark
  public void decodeHeader(Blackhole bh) {
    bh.consume(FrameHeader.type(frame));
    bh.consume(FrameHeader.flags(frame));
    bh.consume(FrameHeader.id(frame));
    bh.consume(FrameHeader.route(frame));
    bh.consume(frame.slice(frame.readerIndex() + FrameHeader.payloadOffset(frame),
        FrameHeader.payloadLength(frame)));
  }

  /** Decodes the payload the way a handler receives it: a {@code byte[]} copy. */
  @Benchmark
  public Object decodePayload() {
    int start = frame.readerIndex() + FrameHeader.payloadOffset(frame);
    return serializer.decode(frame.slice(start, FrameHeader.payloadLength(frame)), byte[].class);
  }
}
