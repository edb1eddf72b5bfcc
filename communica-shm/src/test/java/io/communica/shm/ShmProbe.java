package io.communica.shm;

import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.core.Utf8Serializer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;

/** By hand: {@code ShmProbe server NAME IDLE} in one JVM, {@code ShmProbe client DUMP} in another. */
public final class ShmProbe {
  private ShmProbe() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("server")) {
      SimpleServer s =
          SimpleServer.builder(ShmConnector.named(args[1]).idle(ShmConnector.Idle.valueOf(args[2])))
              .serializer(new Utf8Serializer())
              .handler(Handler.nonBlocking(byte[].class, b -> b))
              .start();
      System.out.println(s.connector().dump());
      s.run();
      return;
    }
    try (SimpleClient c = SimpleClient.builder(Connector.load(args[1])).serializer(new Utf8Serializer()).start()) {
      byte[] p = new byte[64];
      c.request(p, byte[].class).block(Duration.ofSeconds(5));
      long t0 = System.nanoTime();
      int n = 0;
      while (System.nanoTime() - t0 < 2_000_000_000L) {
        c.request(p, byte[].class).block(Duration.ofSeconds(5));
        n++;
      }
      System.out.printf("latency: %d round trips, mean %.1f us%n", n, 2e6 / n);
      AtomicLong done = new AtomicLong();
      CountDownLatch end = new CountDownLatch(256);
      long deadline = System.nanoTime() + 2_000_000_000L;
      Mono<byte[]> req = c.request(p, byte[].class);
      for (int i = 0; i < 256; i++) {
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
          if (System.nanoTime() > deadline) { end.countDown(); return; }
          req.subscribe(r -> { done.incrementAndGet(); next[0].run(); }, e -> end.countDown());
        };
        next[0].run();
      }
      end.await();
      System.out.printf("tp256: %.0f req/s%n", done.get() / 2.0);
    }
  }
}
