package io.communica.bench.jmh;

import io.communica.core.RequestException;
import io.communica.core.frame.ErrorFrame;
import io.communica.core.frame.ErrorKind;
import io.communica.core.frame.FrameHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Error replies both ways: the ERROR frame of a handler's {@link RequestException} ({@link
 * ErrorFrame#encode}), and the exception a requester gets back from one ({@link
 * ErrorFrame#decode}, then the exception).
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar jmh ErrorFramesBenchmark
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ErrorFramesBenchmark {

  private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
  private final RequestException failure = new RequestException("no such order: 42", 404);
  private final ErrorFrame fields = new ErrorFrame(ErrorKind.REQUEST, 404, "", failure.getMessage());
  private ByteBuf error = alloc.buffer();

  @Setup(Level.Trial)
  public void setup() {
    error.release();
    error = fields.encode(alloc, 7);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    error.release();
  }

  @Benchmark
  public int encode() {
    ByteBuf f = new ErrorFrame(ErrorKind.REQUEST, failure.code(), "", failure.getMessage()).encode(alloc, 7);
    int n = f.readableBytes();
    f.release();
    return n;
  }

  @Benchmark
  public Object decode() {
    int start = error.readerIndex() + FrameHeader.payloadOffset(error);
    ErrorFrame e =
        ErrorFrame.decode(FrameHeader.errorKind(error), error.slice(start, error.writerIndex() - start));
    return new RequestException(e.message(), e.code());
  }
}
