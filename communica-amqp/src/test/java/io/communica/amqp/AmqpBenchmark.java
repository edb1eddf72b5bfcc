package io.communica.amqp;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import io.communica.core.Handler;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Throughput through communica-amqp next to raw amqp-client doing the same in the same run, 64-byte
 * payloads, client and server in this JVM. Not a test: run with
 *
 * <pre>
 * ./mvnw -B -o -q verify -pl communica-amqp -am -Dcommunica.bench=true \
 *     -Dtest=AmqpBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * and read the {@code BENCH} lines in {@code target/surefire-reports/*AmqpBenchmark-output.txt}.
 */
@RequiresBroker
@EnabledIfSystemProperty(named = "communica.bench", matches = "true")
@Timeout(600)
class AmqpBenchmark {

  static final int IN_FLIGHT = 256;
  static final Duration WARM = Duration.ofSeconds(3);
  static final Duration MEASURE = Duration.ofSeconds(10);
  static final String PAYLOAD = "x".repeat(64); // 64 bytes with the default serializer, utf8
  static final byte[] RAW_PAYLOAD = PAYLOAD.getBytes(java.nio.charset.StandardCharsets.UTF_8);

  @Test
  void requestResponseAndFireAndForget() throws Exception {
    for (int round = 1; round <= 2; round++) {
      double lib = libraryRequests();
      double raw = rawRpc();
      System.out.printf(
          "BENCH round %d request/response, %d in flight: communica-amqp %.0f req/s, raw amqp-client"
              + " direct reply-to %.0f req/s, ratio %.2f%n",
          round, IN_FLIGHT, lib, raw, lib / raw);
      double libFire = libraryFire();
      double rawFire = rawFire();
      System.out.printf(
          "BENCH round %d fire-and-forget, confirms + manual acks, %d unconfirmed: communica-amqp"
              + " %.0f msg/s, raw amqp-client %.0f msg/s, ratio %.2f%n",
          round, IN_FLIGHT, libFire, rawFire, libFire / rawFire);
    }
  }

  /** Runs {@code load} (which counts into {@code done}) through warm-up, then measures. */
  private static double rate(AtomicLong done) throws InterruptedException {
    Thread.sleep(WARM.toMillis()); // benchmark pacing, not synchronisation
    long n0 = done.get();
    long t0 = System.nanoTime();
    Thread.sleep(MEASURE.toMillis());
    return (done.get() - n0) / ((System.nanoTime() - t0) / 1e9);
  }

  private double libraryRequests() throws Exception {
    AmqpConnector address = Broker.connector("bench-rr");
    try (SimpleServer server =
            SimpleServer.builder(address).handler(Handler.nonBlocking(String.class, s -> s)).start();
        SimpleClient client = SimpleClient.builder(address).start()) {
      client.connected().block(Broker.timeout());
      assert server.connector() != null;
      AtomicLong done = new AtomicLong();
      var load =
          Flux.range(0, Integer.MAX_VALUE)
              .flatMap(i -> client.request(PAYLOAD, String.class).doOnNext(r -> done.incrementAndGet()), IN_FLIGHT)
              .subscribe();
      double r = rate(done);
      load.dispose();
      return r;
    }
  }

  private double libraryFire() throws Exception {
    AmqpConnector address = Broker.connector("bench-ff");
    AtomicLong handled = new AtomicLong();
    try (SimpleServer server =
            SimpleServer.builder(address)
                .handler(
                    Handler.nonBlocking(
                        String.class,
                        s -> {
                          handled.incrementAndGet();
                          return null;
                        }))
                .start();
        SimpleClient client = SimpleClient.builder(address).start()) {
      client.connected().block(Broker.timeout());
      assert server.connector() != null;
      AtomicLong confirmed = new AtomicLong();
      var load =
          Flux.range(0, Integer.MAX_VALUE)
              .flatMap(
                  i -> client.fireAndForget(PAYLOAD).then(Mono.fromRunnable(confirmed::incrementAndGet)),
                  IN_FLIGHT)
              .subscribe();
      double r = rate(handled);
      load.dispose();
      return r;
    }
  }

  interface Publish {
    void run() throws IOException;
  }

  /** A thread that publishes whenever the window has room, until interrupted. */
  private static Thread publishing(Semaphore window, Publish publish) {
    Thread t =
        new Thread(
            () -> {
              try {
                while (!Thread.currentThread().isInterrupted()) {
                  window.acquire();
                  publish.run();
                }
              } catch (InterruptedException | IOException | RuntimeException e) {
                // stopped
              }
            });
    t.start();
    return t;
  }

  private double rawRpc() throws Exception {
    String queue = Broker.uniqueAddress("bench-raw-rpc");
    try (Connection serverConn = Broker.raw();
        Connection clientConn = Broker.raw()) {
      Channel s = serverConn.createChannel();
      s.queueDeclare(queue, false, false, true, Map.of());
      s.basicQos(IN_FLIGHT);
      s.basicConsume(
          queue,
          false,
          new DefaultConsumer(s) {
            @Override
            public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties p, byte[] body)
                throws IOException {
              AMQP.BasicProperties reply =
                  new AMQP.BasicProperties.Builder().correlationId(p.getCorrelationId()).build();
              s.basicPublish("", p.getReplyTo(), reply, body);
              s.basicAck(env.getDeliveryTag(), false);
            }
          });
      Channel c = clientConn.createChannel();
      Semaphore window = new Semaphore(IN_FLIGHT);
      AtomicLong done = new AtomicLong();
      c.basicConsume(
          "amq.rabbitmq.reply-to",
          true,
          new DefaultConsumer(c) {
            @Override
            public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties p, byte[] body) {
              done.incrementAndGet();
              window.release();
            }
          });
      long[] id = {0};
      Thread publisher =
          publishing(
              window,
              () ->
                  c.basicPublish(
                      "",
                      queue,
                      new AMQP.BasicProperties.Builder()
                          .replyTo("amq.rabbitmq.reply-to")
                          .correlationId(Long.toString(++id[0]))
                          .build(),
                      RAW_PAYLOAD));
      double r = rate(done);
      publisher.interrupt();
      publisher.join();
      return r;
    }
  }

  private double rawFire() throws Exception {
    String queue = Broker.uniqueAddress("bench-raw-ff");
    try (Connection consumerConn = Broker.raw();
        Connection publisherConn = Broker.raw()) {
      Channel s = consumerConn.createChannel();
      s.queueDeclare(queue, true, false, false, Map.of("x-expires", 60_000));
      s.basicQos(IN_FLIGHT);
      AtomicLong handled = new AtomicLong();
      s.basicConsume(
          queue,
          false,
          new DefaultConsumer(s) {
            @Override
            public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties p, byte[] body)
                throws IOException {
              handled.incrementAndGet();
              s.basicAck(env.getDeliveryTag(), false);
            }
          });
      Channel c = publisherConn.createChannel();
      c.confirmSelect();
      Semaphore window = new Semaphore(IN_FLIGHT);
      ConcurrentSkipListMap<Long, Boolean> unconfirmed = new ConcurrentSkipListMap<>();
      c.addConfirmListener(
          (seq, multiple) -> {
            if (multiple) {
              var head = unconfirmed.headMap(seq, true);
              int n = head.size();
              head.clear();
              window.release(n);
            } else if (unconfirmed.remove(seq) != null) {
              window.release();
            }
          },
          (seq, multiple) -> {});
      Thread publisher =
          publishing(
              window,
              () -> {
                unconfirmed.put(c.getNextPublishSeqNo(), Boolean.TRUE);
                c.basicPublish(
                    "",
                    queue,
                    new AMQP.BasicProperties.Builder()
                        .deliveryMode(2)
                        .messageId(Long.toString(System.nanoTime()))
                        .build(),
                    RAW_PAYLOAD);
              });
      double r = rate(handled);
      publisher.interrupt();
      publisher.join();
      s.queueDelete(queue);
      return r;
    }
  }
}
