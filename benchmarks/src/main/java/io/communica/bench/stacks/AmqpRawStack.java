package io.communica.bench.stacks;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The baseline for communica-amqp: the raw amqp-client 5 doing the same work with the settings
 * communica uses by default, written the way RabbitMQ's tutorials write it (a confirm listener
 * over a {@link ConcurrentSkipListMap} of unconfirmed publishes, one {@code basicAck} per
 * delivery, amqp-client's own consumer threads).
 *
 * <ul>
 *   <li>the request queue: durable, {@code x-max-length} 100,000 with {@code x-overflow:
 *       reject-publish}, dead-lettered, as communica declares an address queue;
 *   <li>publisher confirms on every channel, unconfirmed publishes kept (as for republishing);
 *   <li>requests transient (delivery mode 1), fire-and-forget messages persistent (mode 2);
 *   <li>manual acknowledgements with prefetch 256; the server acknowledges a request when the
 *       broker confirmed its reply, a message when it was counted;
 *   <li>replies: transport {@code amqp}: to the client's own durable queue (manual acks), as
 *       communica's default; transport {@code amqp-direct} (a bind with {@code replies=direct}):
 *       RabbitMQ's direct reply-to ({@code amq.rabbitmq.reply-to}, no queue, auto-ack).
 * </ul>
 */
final class AmqpRawStack implements Stack {

  static final int PREFETCH = 256;
  static final int FIRE_WINDOW = CommunicaStack.FIRE_WINDOW;
  private static final String DIRECT = "amq.rabbitmq.reply-to";

  @Override
  public String name() {
    return "amqp-raw";
  }

  @Override
  public Set<String> transports() {
    return Set.of("amqp", "amqp-direct");
  }

  /** What the harness's bind string says: broker, request queue, reply style. */
  record Settings(String uri, String queue, boolean direct) {
    static Settings parse(String bind) {
      int q = bind.indexOf('?');
      String uri = q < 0 ? bind : bind.substring(0, q);
      Map<String, String> params = new HashMap<>();
      if (q >= 0) {
        for (String kv : bind.substring(q + 1).split("&")) {
          int eq = kv.indexOf('=');
          if (eq > 0) {
            params.put(kv.substring(0, eq), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
          }
        }
      }
      return new Settings(
          uri, "raw." + params.getOrDefault("address", "bench"), "direct".equals(params.get("replies")));
    }

    Connection connect(String name) throws Exception {
      ConnectionFactory f = new ConnectionFactory();
      f.setUri(uri);
      f.setAutomaticRecoveryEnabled(false);
      return f.newConnection(name);
    }

    void declareQueue(Channel ch) throws IOException {
      Map<String, Object> args = new HashMap<>();
      args.put("x-max-length", 100_000);
      args.put("x-overflow", "reject-publish");
      args.put("x-dead-letter-exchange", "");
      args.put("x-dead-letter-routing-key", queue + ".dead");
      args.put("x-expires", 600_000L);
      ch.queueDeclare(queue, true, false, false, args);
    }
  }

  @Override
  public BenchServer serve(String bind, LongAdder received) throws Exception {
    Settings s = Settings.parse(bind);
    Connection conn = s.connect("amqp-raw server");
    Channel ch = conn.createChannel();
    s.declareQueue(ch);
    ch.confirmSelect();
    ch.basicQos(PREFETCH);
    // reply publish sequence number -> the request's delivery tag, acknowledged on the confirm
    ConcurrentNavigableMap<Long, Long> toAck = new ConcurrentSkipListMap<>();
    com.rabbitmq.client.ConfirmCallback done =
        (seq, multiple) -> {
          if (multiple) {
            ConcurrentNavigableMap<Long, Long> head = toAck.headMap(seq, true);
            for (Long tag : head.values()) {
              ch.basicAck(tag, false);
            }
            head.clear();
          } else {
            Long tag = toAck.remove(seq);
            if (tag != null) {
              ch.basicAck(tag, false);
            }
          }
        };
    ch.addConfirmListener(done, done);
    ch.basicConsume(
        s.queue,
        false,
        new DefaultConsumer(ch) {
          @Override
          public void handleDelivery(
              String consumerTag, Envelope env, AMQP.BasicProperties props, byte[] body)
              throws IOException {
            String replyTo = props.getReplyTo();
            if (replyTo == null) { // fire-and-forget
              received.increment();
              ch.basicAck(env.getDeliveryTag(), false);
              return;
            }
            byte[] reply;
            if (Stack.isControl(body)) {
              reply = Snapshot.take(received.sum()).encode();
            } else {
              received.increment();
              reply = body;
            }
            toAck.put(ch.getNextPublishSeqNo(), env.getDeliveryTag());
            ch.basicPublish(
                "",
                replyTo,
                !replyTo.startsWith(DIRECT),
                new AMQP.BasicProperties.Builder()
                    .deliveryMode(1)
                    .correlationId(props.getCorrelationId())
                    .build(),
                reply);
          }
        });
    return BenchServer.of(
        () -> bind,
        () -> {
          try {
            ch.queueDelete(s.queue);
            conn.close(2000);
          } catch (IOException | RuntimeException e) {
            // gone
          }
        });
  }

  @Override
  public BenchClient connect(String address) throws Exception {
    Settings s = Settings.parse(address);
    return new Client(new Endpoint(s, "data"), new Endpoint(s, "control"));
  }

  /**
   * A publish the broker has not confirmed yet, kept for republishing. Only fire-and-forget
   * confirms count as sent messages: a request of a stopped request workload can be confirmed
   * after the fire-and-forget workload started, and the server counted it before.
   */
  private record Pending(byte[] body, boolean fire) {}

  /** One connection and channel of a client: publishes requests, consumes their replies. */
  private static final class Endpoint {
    final Settings s;
    final Connection conn;
    final Channel ch;
    final String replyTo;
    final ConcurrentNavigableMap<Long, Pending> unconfirmed = new ConcurrentSkipListMap<>();
    final Map<String, CompletableFuture<byte[]>> waiting = new ConcurrentHashMap<>();
    final AtomicLong ids = new AtomicLong();
    volatile @Nullable Meter requests;
    volatile @Nullable Semaphore fireWindow;
    volatile @Nullable Meter fires;
    byte[] payload = new byte[0];

    Endpoint(Settings s, String name) throws Exception {
      this.s = s;
      conn = s.connect("amqp-raw client " + name);
      ch = conn.createChannel();
      s.declareQueue(ch);
      ch.confirmSelect();
      ch.basicQos(PREFETCH);
      com.rabbitmq.client.ConfirmCallback ok = (seq, multiple) -> confirmed(seq, multiple, true);
      com.rabbitmq.client.ConfirmCallback nack = (seq, multiple) -> confirmed(seq, multiple, false);
      ch.addConfirmListener(ok, nack);
      if (s.direct) {
        replyTo = DIRECT;
      } else {
        replyTo = s.queue + ".client." + UUID.randomUUID();
        ch.queueDeclare(replyTo, true, false, false, Map.of("x-expires", 60_000L));
      }
      boolean autoAck = s.direct; // direct reply-to consumes in no-ack mode only
      ch.basicConsume(
          replyTo,
          autoAck,
          new DefaultConsumer(ch) {
            @Override
            public void handleDelivery(
                String consumerTag, Envelope env, AMQP.BasicProperties props, byte[] body)
                throws IOException {
              onReply(props.getCorrelationId(), body);
              if (!autoAck) {
                ch.basicAck(env.getDeliveryTag(), false);
              }
            }
          });
    }

    private void confirmed(long seq, boolean multiple, boolean ack) {
      int n;
      if (multiple) {
        ConcurrentNavigableMap<Long, Pending> head = unconfirmed.headMap(seq, true);
        n = 0;
        for (Pending p : head.values()) {
          n += p.fire() ? 1 : 0;
        }
        head.clear();
      } else {
        Pending p = unconfirmed.remove(seq);
        n = p != null && p.fire() ? 1 : 0;
      }
      Semaphore w = fireWindow;
      Meter m = fires;
      if (w != null && m != null && n > 0) {
        if (ack) {
          m.add(n);
        } else {
          m.fail(new IllegalStateException("nack"));
        }
        w.release(n);
      }
    }

    private void onReply(@Nullable String correlationId, byte[] body) throws IOException {
      if (correlationId != null) {
        CompletableFuture<byte[]> f = waiting.remove(correlationId);
        if (f != null) {
          f.complete(body);
        }
        return;
      }
      Meter m = requests;
      if (m != null) {
        m.add(1);
        if (!m.stopped()) {
          publish(payload, 1, null);
        }
      }
    }

    /** Publishes to the request queue, keeping the message until confirmed. */
    synchronized void publish(byte[] body, int mode, @Nullable String correlationId)
        throws IOException {
      unconfirmed.put(ch.getNextPublishSeqNo(), new Pending(body, mode == 2));
      AMQP.BasicProperties.Builder p = new AMQP.BasicProperties.Builder().deliveryMode(mode);
      if (mode == 1) {
        p.replyTo(replyTo).correlationId(correlationId);
      }
      ch.basicPublish("", s.queue, false, p.build(), body);
    }

    byte[] call(byte[] body, long timeoutMs) throws Exception {
      String id = Long.toString(ids.incrementAndGet());
      CompletableFuture<byte[]> f = new CompletableFuture<>();
      waiting.put(id, f);
      publish(body, 1, id);
      return f.get(timeoutMs, TimeUnit.MILLISECONDS);
    }

    void close() {
      try {
        if (!s.direct) {
          ch.queueDelete(replyTo);
        }
        conn.close(2000);
      } catch (IOException | RuntimeException e) {
        // gone
      }
    }
  }

  private static final class Client implements BenchClient {
    private final Endpoint data;
    private final Endpoint control;

    Client(Endpoint data, Endpoint control) {
      this.data = data;
      this.control = control;
    }

    @Override
    public void roundTrip(byte[] payload) throws Exception {
      data.call(payload, 30_000);
    }

    @Override
    public void startRequests(byte[] payload, int inFlight, Meter meter) throws Exception {
      data.payload = payload;
      data.requests = meter;
      for (int i = 0; i < inFlight; i++) {
        data.publish(payload, 1, null);
      }
    }

    @Override
    public void runFire(byte[] payload, Meter meter, Backlog backlog) throws Exception {
      Semaphore window = new Semaphore(FIRE_WINDOW);
      data.fires = meter;
      data.fireWindow = window;
      while (backlog.permits(1) > 0) {
        window.acquire();
        data.publish(payload, 2, null);
        backlog.sent(1);
      }
      if (!window.tryAcquire(FIRE_WINDOW, 30, TimeUnit.SECONDS)) {
        meter.fail(new IllegalStateException("messages not confirmed within 30 s"));
      }
    }

    @Override
    public Snapshot serverSnapshot() throws Exception {
      return Snapshot.decode(control.call(Stack.CONTROL, 30_000));
    }

    @Override
    public void close() {
      data.close();
      control.close();
    }
  }
}
