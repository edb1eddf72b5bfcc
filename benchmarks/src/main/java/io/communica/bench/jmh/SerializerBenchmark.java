package io.communica.bench.jmh;

import io.communica.core.Serializer;
import io.communica.core.Utf8Serializer;
import io.communica.serializers.JsonSerializer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.List;
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

/**
 * Each serializer encoding into and decoding from a Netty buffer: {@code utf8} with a string, and
 * {@code json} with a small record (what a typical request looks like).
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar jmh SerializerBenchmark
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SerializerBenchmark {

  /** A typical small request. */
  public record Order(long id, String customer, List<String> items, double total) {}

  @Param({"utf8", "json"})
  public String serializer;

  private Serializer codec = new Utf8Serializer();
  private Object value = "";
  private Class<?> type = String.class;
  private ByteBuf encoded = PooledByteBufAllocator.DEFAULT.buffer();
  private final ByteBuf scratch = PooledByteBufAllocator.DEFAULT.buffer(4096);

  @Setup(Level.Trial)
  public void setup() {
    if (serializer.equals("json")) {
      codec = new JsonSerializer();
      value = new Order(42, "ACME Corporation", List.of("bolts", "nuts", "washers"), 129.95);
      type = Order.class;
    } else {
      codec = new Utf8Serializer();
      value = "a log line of a typical length, about sixty-four bytes long....";
      type = String.class;
    }
    encoded.clear();
    codec.encode(value, encoded);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    encoded.release();
    scratch.release();
  }

  @Benchmark
  public int encode() {
    scratch.clear();
    codec.encode(value, scratch);
    return scratch.writerIndex();
  }

  @Benchmark
  public Object decode() {
    return codec.decode(encoded.duplicate(), type);
  }
}
