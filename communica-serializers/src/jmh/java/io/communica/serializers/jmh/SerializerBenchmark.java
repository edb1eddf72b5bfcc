package io.communica.serializers.jmh;

import io.communica.core.Serializer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.lang.reflect.Type;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encode into and decode from a direct buffer, as frames on the network are. Subclasses choose
 * the serializer and the message; {@link Report} runs them all and prints the table.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-Dio.netty.leakDetection.level=disabled"})
// many 1 ms iterations: Report takes the fastest, which a shared, loaded machine rarely disturbs
@Warmup(iterations = 20, time = 50, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 1000, time = 1, timeUnit = TimeUnit.MILLISECONDS)
public abstract class SerializerBenchmark {

  private Serializer serializer;
  private Object value;
  private Type type;
  private ByteBuf out;
  private ByteBuf encoded;

  /** Call from the subclass's setup. */
  final void prepare(Serializer serializer, Object value) {
    this.serializer = serializer;
    this.value = value;
    this.type = value.getClass();
    this.out = PooledByteBufAllocator.DEFAULT.directBuffer(16_384);
    this.encoded = PooledByteBufAllocator.DEFAULT.directBuffer(16_384);
    serializer.encode(value, encoded);
    if (!value.equals(serializer.decode(encoded.duplicate(), type))) {
      throw new IllegalStateException(serializer + " does not round-trip " + value);
    }
  }

  @TearDown
  public void release() {
    out.release();
    encoded.release();
  }

  @Benchmark
  public ByteBuf encode() {
    out.clear();
    serializer.encode(value, out);
    return out;
  }

  @Benchmark
  public Object decode() {
    encoded.readerIndex(0);
    return serializer.decode(encoded, type);
  }
}
