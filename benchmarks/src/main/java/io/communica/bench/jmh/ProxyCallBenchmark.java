package io.communica.bench.jmh;

import io.communica.core.Handler;
import io.communica.core.RouteClient;
import io.communica.core.RouteServer;
import io.communica.serializers.JsonSerializer;
import io.communica.tcp.TcpConnector;
import java.time.Duration;
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
import reactor.core.publisher.Mono;

/**
 * What calling through an interface proxy costs next to a plain {@code request} doing the same
 * work: a {@link RouteClient} and a {@link RouteServer} over loopback TCP with JSON (the default
 * serializer), a 64-character string echoed by a reactive handler on the I/O thread. The plain
 * request sends the string; the proxy sends a one-element argument array and goes through the
 * proxy's reflection on both sides. {@code *RoundTrip} is one call at a time; {@code *Burst} sends
 * {@value #BURST} at once and waits for every reply.
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar jmh ProxyCallBenchmark
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
public class ProxyCallBenchmark {

  static final int BURST = 256;
  static final Duration WAIT = Duration.ofSeconds(10);

  /** The interface the proxy case calls. */
  public interface Echo {
    Mono<String> echo(String data);
  }

  @Param({"64"})
  public int payload;

  private RouteServer server = RouteServer.builder(TcpConnector.of("127.0.0.1", 0)).build();
  private RouteClient client = RouteClient.builder(TcpConnector.of("127.0.0.1", 0)).build();
  private String data = "";
  private Echo proxy = s -> Mono.just(s);

  @Setup(Level.Trial)
  public void setup() {
    data = "x".repeat(payload);
    server =
        RouteServer.builder(TcpConnector.of("127.0.0.1", 0))
            .serializer(new JsonSerializer())
            .route("echo", Handler.reactive(String.class, Mono::just))
            .expose(Echo.class, Mono::just)
            .start();
    client =
        RouteClient.builder(server.connector())
            .serializer(new JsonSerializer())
            .build()
            .startAndAwait(WAIT);
    proxy = client.proxy(Echo.class);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    client.close();
    server.close();
  }

  @Benchmark
  public String requestRoundTrip() {
    return client.request("echo", data, String.class).block(WAIT);
  }

  @Benchmark
  public String proxyRoundTrip() {
    return proxy.echo(data).block(WAIT);
  }

  @Benchmark
  @OperationsPerInvocation(BURST)
  public void requestBurst() throws InterruptedException {
    CountDownLatch done = new CountDownLatch(BURST);
    for (int i = 0; i < BURST; i++) {
      client.request("echo", data, String.class).subscribe(r -> {}, e -> done.countDown(), done::countDown);
    }
    await(done);
  }

  @Benchmark
  @OperationsPerInvocation(BURST)
  public void proxyBurst() throws InterruptedException {
    CountDownLatch done = new CountDownLatch(BURST);
    for (int i = 0; i < BURST; i++) {
      proxy.echo(data).subscribe(r -> {}, e -> done.countDown(), done::countDown);
    }
    await(done);
  }

  private static void await(CountDownLatch done) throws InterruptedException {
    if (!done.await(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("replies missing after 10 s: " + done.getCount());
    }
  }
}
