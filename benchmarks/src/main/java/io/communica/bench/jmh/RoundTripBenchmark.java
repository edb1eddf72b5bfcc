package io.communica.bench.jmh;

import io.communica.core.Handler;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.core.Utf8Serializer;
import io.communica.tcp.TcpConnector;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;

/**
 * The request correlation path end to end in one JVM: a {@link SimpleClient} and a {@link
 * SimpleServer} with a non-blocking echo handler over a real loopback TCP connection. {@code
 * blockingRoundTrip} is one request at a time; {@code burst} sends {@value #BURST} requests at
 * once and waits for every reply (ids registered, frames coalesced, replies correlated).
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar jmh RoundTripBenchmark
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
public class RoundTripBenchmark {

  static final int BURST = 256;

  @Param({"64"})
  public int payload;

  private SimpleServer server = SimpleServer.builder(TcpConnector.of("127.0.0.1", 0)).build();
  private SimpleClient client = SimpleClient.builder(TcpConnector.of("127.0.0.1", 0)).build();
  private Mono<byte[]> request = Mono.empty();

  @Setup(Level.Trial)
  public void setup() {
    byte[] data = new byte[payload];
    Arrays.fill(data, (byte) 'x');
    server =
        SimpleServer.builder(TcpConnector.of("127.0.0.1", 0))
            .serializer(new Utf8Serializer())
            .handler(Handler.nonBlocking(byte[].class, d -> d))
            .start();
    client =
        SimpleClient.builder(server.connector())
            .serializer(new Utf8Serializer())
            .build()
            .startAndAwait(Duration.ofSeconds(10));
    request = client.request(data, byte[].class);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    client.close();
    server.close();
  }

  @Benchmark
  public byte[] blockingRoundTrip() {
    return request.block(Duration.ofSeconds(10));
  }

  @Benchmark
  @OperationsPerInvocation(BURST)
  public void burst() throws InterruptedException {
    CountDownLatch done = new CountDownLatch(BURST);
    for (int i = 0; i < BURST; i++) {
      request.subscribe(new Countdown(done));
    }
    if (!done.await(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("replies missing after 10 s: " + done.getCount());
    }
  }

  /** Counts down on completion or error. */
  private static final class Countdown implements CoreSubscriber<byte[]> {
    private final CountDownLatch done;

    Countdown(CountDownLatch done) {
      this.done = done;
    }

    @Override
    public void onSubscribe(Subscription s) {
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(byte[] reply) {}

    @Override
    public void onError(Throwable t) {
      done.countDown();
    }

    @Override
    public void onComplete() {
      done.countDown();
    }
  }
}
