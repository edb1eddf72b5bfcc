package io.communica.amqp;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.Return;
import io.communica.core.ConnectionLostException;
import io.communica.core.OverloadedException;
import io.communica.core.transport.Causes;
import io.communica.core.transport.WriteListener;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * One connection to the broker with one channel, kept up by this class: when the connection or
 * channel is lost it reconnects with backoff, declares the owner's topology again, restarts its
 * consumers and publishes again every message the broker had not confirmed. amqp-client's own
 * automatic recovery is off: recovery has to republish unconfirmed messages and tell the owner,
 * which it does not.
 *
 * <p>Everything runs on one loop ({@link SerialLoop}: a serial executor on a Netty event loop
 * thread, which runs a task handed over by a caller at once on the caller's thread when it is
 * idle), which is also amqp-client's consumer executor for this connection, so deliveries arrive
 * on the loop without a further hand-off. Publishes are made on the loop
 * and kept, in order, until the broker confirms them. Confirms and returns are handled where
 * amqp-client reads them (its connection thread), under {@link #lock}, without waking the loop: a
 * confirmed message's listener is told there, and a reply's request ({@link Out#settles}) is
 * acknowledged there too; only what the owner must see (returns, room to write again, an {@link
 * Out#afterConfirm}) is handed to the loop. Shutdowns are handed to the loop. Acknowledgements
 * carry the generation of the channel the delivery came on: after a reconnect the broker has
 * requeued the old ones, and acking them would be an error.
 */
final class BrokerLink {

  private static final Logger log = LoggerFactory.getLogger(BrokerLink.class);

  /** Loops shared by all links of the process (daemon threads). */
  private static final MultiThreadIoEventLoopGroup LOOPS =
      new MultiThreadIoEventLoopGroup(
          2, new DefaultThreadFactory("communica-amqp", true), LocalIoHandler.newFactory());

  /** Blocking connects and closes, off the loops. */
  private static final ExecutorService BLOCKING =
      Executors.newCachedThreadPool(new DefaultThreadFactory("communica-amqp-connect", true));

  /** Unconfirmed messages held before writers are asked to wait. */
  static final int MAX_UNCONFIRMED = 4096;

  static final long MAX_UNCONFIRMED_BYTES = 32L * 1024 * 1024;

  private static final long BACKOFF_MIN_MS = 100;
  private static final long BACKOFF_MAX_MS = 5000;

  /** What the user of a link does with it; every method runs on the loop. */
  interface Owner {
    /** Declares queues and starts consumers (with {@link #consume}) on a new channel. */
    void declare(Channel ch) throws IOException;

    void onDelivery(Delivery d);

    /** A message published with the mandatory flag could not be routed. */
    void onReturn(Out o, String reason);

    /** The link is up again after a loss (not called for the first connect). */
    void onUp();

    void onDown(Throwable cause);

    void onWritable();
  }

  /** A received message; {@code gen} and {@code tag} move when a redelivery replaces it. */
  static final class Delivery {
    final int source;
    int gen;
    long tag;
    final boolean redelivered;
    final AMQP.BasicProperties props;
    /** The frame (its first {@link #len} bytes) and the trailer ({@link Wire}). */
    final byte[] body;
    /**
     * The length of the frame in {@link #body} (of a batch: of its frames); -1 when the body has no
     * valid trailer.
     */
    final int len;
    /** Several MESSAGE frames in one body ({@link Wire#BATCH_VERSION}). */
    final boolean batch;
    /** Of a batch being handled: what it still waits for. Loop. */
    Inbox.@Nullable Batch parts;
    /** Delivered by a no-ack consumer (direct reply-to): never acknowledged nor rejected. */
    final boolean autoAck;
    /** The connection a MESSAGE was handed to, until its handler finished. */
    @Nullable Object holder;
    /**
     * The generation whose channel took this delivery's acknowledgement, or -1 (under the link's
     * lock): a redelivery after a reconnect that retags it after that needs its own.
     */
    int settledGen = -1;

    Delivery(
        int source,
        int gen,
        long tag,
        boolean redelivered,
        AMQP.BasicProperties props,
        byte[] body,
        boolean autoAck) {
      this.source = source;
      this.gen = gen;
      this.tag = tag;
      this.redelivered = redelivered;
      this.props = props;
      this.body = body;
      this.len = Wire.frameLength(body);
      this.batch = Wire.isBatch(body);
      this.autoAck = autoAck;
    }

    /** The epoch in the trailer; only for a delivery that is not malformed. */
    long epoch() {
      return Wire.epoch(body);
    }

    /** The message id in the trailer; only for a delivery that is not malformed. */
    long messageId() {
      return Wire.messageId(body);
    }
  }

  /** A message to publish, kept until confirmed. */
  static final class Out {
    final String exchange;
    final String routingKey;
    final boolean mandatory;
    final AMQP.BasicProperties props;
    final byte[] body;
    final @Nullable WriteListener listener;
    /** Run on the loop once the broker confirmed the message. */
    final @Nullable Runnable afterConfirm;
    /**
     * A delivery whose work this message finishes (the request a reply answers): acknowledged when
     * the broker confirmed the message, on the thread the confirm came on, and then marked done in
     * the {@link Inbox} ({@link Inbox#doneLater}).
     */
    final @Nullable Delivery settles;
    /** The inbox {@link #settles} is in. */
    final @Nullable Inbox inbox;
    /** Under {@link #lock}: the publish sequence number on the current channel; 0 when not sent. */
    long seq;
    /** Under {@link #lock}. */
    @Nullable String returned;

    Out(
        String exchange,
        String routingKey,
        boolean mandatory,
        AMQP.BasicProperties props,
        byte[] body,
        @Nullable WriteListener listener,
        @Nullable Runnable afterConfirm) {
      this(exchange, routingKey, mandatory, props, body, listener, afterConfirm, null, null);
    }

    Out(
        String exchange,
        String routingKey,
        boolean mandatory,
        AMQP.BasicProperties props,
        byte[] body,
        @Nullable WriteListener listener,
        @Nullable Runnable afterConfirm,
        @Nullable Inbox inbox,
        @Nullable Delivery settles) {
      this.exchange = exchange;
      this.routingKey = routingKey;
      this.mandatory = mandatory;
      this.props = props;
      this.body = body;
      this.listener = listener;
      this.afterConfirm = afterConfirm;
      this.inbox = inbox;
      this.settles = settles;
    }
  }

  final SerialLoop loop;
  private final ConnectionFactory factory;
  private final String name;
  private final String describe;
  private final int prefetch;
  private @Nullable Owner owner;

  /**
   * Guards what the loop shares with amqp-client's connection thread, which handles confirms and
   * returns: {@link #outs}, {@link #outBytes}, {@link Out#seq} and {@link Out#returned}, {@link
   * #acks}, the tag and generation of deliveries, and the writes of {@link #gen}, {@link #up} and
   * {@link #channel} (the loop writes them under it and reads them without; other threads read
   * them under it). No I/O is done under it but acknowledgements, which must leave in order.
   */
  private final Object lock = new Object();

  // loop-confined (see lock)
  private @Nullable Connection connection;
  private @Nullable Channel channel;
  private int gen;
  private boolean up;
  private boolean closing;
  private volatile boolean writable;
  private final ArrayDeque<Out> outs = new ArrayDeque<>();
  private long outBytes;
  private long backoffMs = BACKOFF_MIN_MS;
  private @Nullable Throwable lastError;
  private final Acks acks = new Acks();
  /** Whether a task telling the owner it may write again is on its way to the loop (under lock). */
  private boolean writableTaskPending;
  private final Runnable writableTask = this::writableOnLoop;
  private boolean ackFlushScheduled;
  private boolean ackSweepScheduled;
  private final Runnable flushAcks = this::flushAcks;

  /**
   * Settled deliveries acknowledged together: at most this many wait, for at most {@link
   * #ACK_DEFER_NS} after the last acknowledgement. Without it, a delivery handled on amqp-client's
   * connection thread (an idle loop) and a reply confirmed on its own would each take one {@code
   * basicAck}: about 4 µs more of the broker's CPU per message, measured at fire-and-forget.
   */
  static final int ACK_BATCH = 32;

  /** {@link #ACK_BATCH}, or half the prefetch window when that is smaller. */
  private final int ackBatch;

  static final long ACK_DEFER_NS = TimeUnit.MICROSECONDS.toNanos(200);

  /** Under the lock: when acknowledgements were last sent. */
  private long lastAckNanos = System.nanoTime() - ACK_DEFER_NS;

  /** How long settled deliveries wait behind one in progress before they are acknowledged singly. */
  static final long ACK_SWEEP_MS = 5;

  BrokerLink(AmqpConnector connector, Duration connectTimeout, String name) {
    this.loop = new SerialLoop((EventLoop) LOOPS.next());
    this.factory = connector.factory(connectTimeout);
    this.prefetch = connector.prefetch();
    // marks amqp-client's threads: only deliveries run inline on them (SerialLoop.deliveries)
    factory.setThreadFactory(SerialLoop.AmqpThread::new);
    // amqp-client's default handler closes the channel when a consumer or listener throws, and
    // waits for the broker's answer on the calling thread: on the connection thread, the one that
    // would read it. A delivery that throws is handled in handleDelivery; the rest is logged.
    factory.setExceptionHandler(new com.rabbitmq.client.impl.ForgivingExceptionHandler());
    this.ackBatch = Math.max(1, Math.min(ACK_BATCH, prefetch / 2));
    this.name = name;
    this.describe = connector.describe();
  }

  /** Connects the first time; fails (without retrying) when the broker cannot be reached. */
  Mono<Void> start(Owner owner) {
    this.owner = owner;
    return Mono.create(
        sink ->
            BLOCKING.execute(
                () -> {
                  Connection c;
                  try {
                    c = factory.newConnection(loop.deliveries, name);
                  } catch (IOException | TimeoutException | RuntimeException e) {
                    sink.error(unreachable(e));
                    return;
                  }
                  loop.execute(() -> firstInstall(c, sink));
                }));
  }

  private void firstInstall(Connection c, MonoSink<Void> sink) {
    try {
      install(c);
      sink.success();
    } catch (IOException | RuntimeException e) {
      abort(c);
      sink.error(unreachable(e));
    }
  }

  private ConnectionLostException unreachable(Throwable e) {
    return new ConnectionLostException(
        "cannot connect to the broker of " + describe + ": " + messages(e), e);
  }

  static String messages(Throwable e) {
    return Causes.messages(e);
  }

  private Owner owner() {
    Owner o = owner;
    if (o == null) {
      throw new IllegalStateException("link not started");
    }
    return o;
  }

  /** Loop: sets up a new connection: channel, confirms, listeners, topology, republishing. */
  private void install(Connection c) throws IOException {
    Channel ch = c.createChannel();
    if (ch == null) {
      throw new IOException("the broker gave no channel");
    }
    ch.confirmSelect();
    ch.basicQos(prefetch);
    int g;
    synchronized (lock) {
      g = ++gen;
      acks.reset();
    }
    // on amqp-client's connection thread: the confirm and return of a message come in the order
    // the broker sent them (a return before the confirm of the same message)
    ch.addConfirmListener(
        (seq, multiple) -> confirmed(g, seq, multiple, true),
        (seq, multiple) -> confirmed(g, seq, multiple, false));
    ch.addReturnListener(r -> returned(g, r));
    loop.inlineDeliveries(true);
    c.addBlockedListener(
        reason -> {
          log.warn("the broker of {} blocks publishing ({})", describe, reason);
          loop.inlineDeliveries(false);
        },
        () -> {
          log.info("the broker of {} accepts publishing again", describe);
          loop.inlineDeliveries(true);
        });
    c.addShutdownListener(cause -> loop.execute(() -> lost(g, cause)));
    ch.addShutdownListener(cause -> loop.execute(() -> lost(g, cause)));
    connection = c;
    synchronized (lock) {
      channel = ch;
    }
    owner().declare(ch);
    Out[] again;
    synchronized (lock) {
      up = true;
      again = outs.toArray(new Out[0]);
      // numbered before they are sent, so that a confirm finds them; only the loop publishes
      long seq = ch.getNextPublishSeqNo();
      for (Out o : again) {
        o.seq = seq++;
      }
    }
    backoffMs = BACKOFF_MIN_MS;
    for (Out o : again) {
      send(ch, o);
    }
    updateWritable();
  }

  /** RabbitMQ's direct reply-to pseudo-queue. */
  static final String DIRECT_REPLY_TO = "amq.rabbitmq.reply-to";

  /** Loop: starts a consumer whose deliveries reach the owner tagged with {@code source}. */
  void consume(Channel ch, String queue, int source) throws IOException {
    consume(ch, queue, source, false);
  }

  /**
   * Loop: consumes replies sent to {@link #DIRECT_REPLY_TO} by this channel's requests (no-ack:
   * the only mode direct reply-to has). Call it before publishing such a request.
   */
  void consumeDirectReplies(Channel ch, int source) throws IOException {
    consume(ch, DIRECT_REPLY_TO, source, true);
  }

  private void consume(Channel ch, String queue, int source, boolean autoAck) throws IOException {
    int g = gen;
    ch.basicConsume(
        queue,
        autoAck,
        new DefaultConsumer(ch) {
          @Override
          public void handleDelivery(
              String consumerTag, Envelope envelope, AMQP.BasicProperties props, byte[] body) {
            // amqp-client runs this on the loop (its deliveries executor): holding its lock, on the
            // event loop thread or on the connection thread that read it
            if (g == gen && up) {
              try {
                owner().onDelivery(
                    new Delivery(
                        source,
                        g,
                        envelope.getDeliveryTag(),
                        envelope.isRedeliver(),
                        props,
                        body,
                        autoAck));
              } catch (RuntimeException e) {
                // a bug: the delivery stays unacknowledged; the link starts over (a new channel,
                // the broker redelivers) as amqp-client's default handler would have had it
                log.error("handling a delivery from queue {} on {} failed", queue, describe, e);
                loop.execute(() -> lost(g, new IOException("handling a delivery failed: " + e, e)));
              }
            }
          }

          @Override
          public void handleCancel(String consumerTag) {
            loop.execute(
                () ->
                    lost(
                        g,
                        new IOException(
                            "the broker cancelled the consumer of queue " + queue
                                + " (was it deleted?)")));
          }
        });
  }

  boolean isUp() {
    return up;
  }

  boolean isWritable() {
    return writable;
  }

  /** Loop: publishes now, or when the link is back; kept until confirmed. */
  void publish(Out o) {
    if (closing) {
      finish(o, new ConnectionLostException("the connection to " + describe + " is closing"));
      return;
    }
    Channel ch = channel;
    boolean now = up && ch != null;
    boolean mayOpen;
    synchronized (lock) {
      outs.addLast(o);
      outBytes += o.body.length;
      if (now) {
        o.seq = ch.getNextPublishSeqNo(); // only the loop publishes: this is the one it gets
      }
      // updateWritable's test, under the same lock: most publishes change nothing
      if (!up || outs.size() >= MAX_UNCONFIRMED || outBytes >= MAX_UNCONFIRMED_BYTES) {
        writable = false;
        mayOpen = false;
      } else {
        mayOpen = !writable;
      }
    }
    if (now) {
      send(ch, o);
    }
    if (mayOpen) {
      updateWritable();
    }
  }

  /** Loop: publishes a message numbered ({@link Out#seq}) under the lock. */
  private void send(Channel ch, Out o) {
    try {
      ch.basicPublish(o.exchange, o.routingKey, o.mandatory, o.props, o.body);
    } catch (IOException | RuntimeException e) {
      // the shutdown listener follows and republishes after the reconnect
      synchronized (lock) {
        o.seq = 0;
      }
      log.debug("publish to {} failed: {}", describe, e.toString());
    }
  }

  /**
   * amqp-client's connection thread: the broker confirmed (or refused) messages. Tells their
   * listeners and acknowledges the deliveries they settle here; the owner hears of what needs the
   * loop through a task.
   */
  private void confirmed(int g, long seq, boolean multiple, boolean ack) {
    Out single = null;
    ArrayList<Out> many = null;
    boolean settled = false;
    synchronized (lock) {
      if (g != gen) {
        return;
      }
      if (multiple) {
        Out head;
        while ((head = outs.peekFirst()) != null && head.seq != 0 && head.seq <= seq) {
          outs.pollFirst();
          outBytes -= head.body.length;
          settled |= settle(head, ack);
          if (single == null) {
            single = head;
          } else {
            if (many == null) {
              // publishes are numbered in order: about this many are confirmed together
              many = new ArrayList<>((int) Math.min(outs.size() + 2, Math.max(4, seq - single.seq + 1)));
              many.add(single);
            }
            many.add(head);
          }
        }
      } else {
        for (Iterator<Out> it = outs.iterator(); it.hasNext(); ) {
          Out o = it.next();
          if (o.seq == seq) {
            it.remove();
            outBytes -= o.body.length;
            settled = settle(o, ack);
            single = o;
            break;
          }
        }
      }
      if (settled) {
        if (!loop.busy()) {
          if (ackDueLocked()) {
            flushAcksLocked(); // one request at a time: at once, without waking the loop
          } else if (!ackFlushScheduled) {
            deferAckFlushLocked(); // with direct reply-to every reply is confirmed on its own
          }
        } else if (!ackFlushScheduled || acks.unsent() >= ackBatch) {
          // the loop is at work: it sends one acknowledgement for these and what it settles
          // meanwhile (with direct reply-to every reply is confirmed on its own)
          ackFlushScheduled = true;
          loop.execute(flushAcks);
        }
      }
      checkRoomLocked();
    }
    if (many != null) {
      AmqpCounters.confirmed(ack, many.size());
      for (Out o : many) {
        confirmed(o, ack);
      }
    } else if (single != null) {
      AmqpCounters.confirmed(ack, 1);
      confirmed(single, ack);
    }
  }

  /**
   * Under the lock, on a confirm: records the delivery {@code o} settles as done with (when the
   * broker took the message). Returns whether an acknowledgement is to be flushed.
   */
  private boolean settle(Out o, boolean ack) {
    Delivery d = o.settles;
    if (d == null || !ack || o.returned != null) {
      return false;
    }
    return settleLocked(d, false);
  }

  /** A message the broker answered for: its listener, its inbox entry, its task on the loop. */
  private void confirmed(Out o, boolean ack) {
    Throwable error;
    if (!ack) {
      // with reject-publish, a full queue nacks: the sender learns it instead of losing the message
      log.warn("the broker refused a message to {} (nack: is the queue full?)", o.routingKey);
      error =
          new OverloadedException(
              "the broker refused the message (nack) for " + o.routingKey
                  + ": the queue is full (x-max-length: the connector's maxLength option) or the"
                  + " broker could not store it");
    } else {
      String r;
      synchronized (lock) {
        r = o.returned;
      }
      error = r != null ? new ConnectionLostException(r) : null;
    }
    finish(o, error);
  }

  /** Tells a message's listener, from any thread; its inbox entry and loop task follow. */
  private void finish(Out o, @Nullable Throwable error) {
    if (o.listener != null) {
      tell(o.listener, error);
    }
    Delivery d = o.settles;
    Inbox in = o.inbox;
    if (d != null && in != null) {
      if (error == null && !loop.inEventLoop()) {
        in.doneLater(d); // acknowledged already, under the lock
      } else if (loop.inEventLoop()) {
        in.done(d);
      } else {
        // not confirmed (refused, unroutable): done all the same, on the loop
        loop.execute(() -> in.done(d));
      }
    }
    Runnable after = o.afterConfirm;
    if (after != null) {
      if (loop.inEventLoop()) {
        after.run();
      } else {
        loop.execute(after);
      }
    }
  }

  /**
   * Tells a listener, which may run the application's code (a {@code fireAndForget} completing):
   * what it throws is logged, and the messages confirmed with it, their deliveries and loop tasks
   * are dealt with all the same.
   */
  static void tell(WriteListener l, @Nullable Throwable error) {
    try {
      l.onWritten(error);
    } catch (RuntimeException | Error e) {
      log.warn("a listener of a publish threw; ignored", e);
    }
  }

    /** amqp-client's connection thread: a mandatory message could not be routed. */
  private void returned(int g, Return r) {
    byte[] body = r.getBody();
    if (body == null || Wire.frameLength(body) < 0) {
      return;
    }
    long id = Wire.messageId(body);
    Out found = null;
    String reason = null;
    synchronized (lock) {
      if (g != gen) {
        return;
      }
      for (Out o : outs) {
        if (o.seq != 0 && Wire.messageId(o.body) == id) {
          reason =
              "the broker could not route the message to "
                  + (r.getExchange().isEmpty() ? "queue " : "")
                  + r.getRoutingKey() + ": " + r.getReplyText();
          o.returned = reason; // before its confirm, which comes after on this thread
          found = o;
          break;
        }
      }
    }
    if (found != null) {
      Out o = found;
      String why = reason;
      loop.execute(() -> owner().onReturn(o, why));
    }
  }

  /** Loop. */
  private void updateWritable() {
    synchronized (lock) {
      boolean room = up && outs.size() < MAX_UNCONFIRMED && outBytes < MAX_UNCONFIRMED_BYTES;
      if (!room) {
        writable = false;
        return;
      }
      if (writable
          || outs.size() > MAX_UNCONFIRMED / 2
          || outBytes > MAX_UNCONFIRMED_BYTES / 2) {
        return;
      }
      writable = true;
    }
    owner().onWritable();
  }

  /** Under the lock: when there is room again, the owner is told on the loop. */
  private void checkRoomLocked() {
    if (!writable
        && up
        && !writableTaskPending
        && outs.size() <= MAX_UNCONFIRMED / 2
        && outBytes <= MAX_UNCONFIRMED_BYTES / 2) {
      writableTaskPending = true;
      loop.execute(writableTask);
    }
  }

  /** Loop: there is room to publish again. */
  private void writableOnLoop() {
    synchronized (lock) {
      writableTaskPending = false;
      if (writable
          || !up
          || outs.size() > MAX_UNCONFIRMED / 2
          || outBytes > MAX_UNCONFIRMED_BYTES / 2) {
        return;
      }
      writable = true;
    }
    owner().onWritable();
  }

  /**
   * Loop: acknowledges a delivery of the current channel (older ones were requeued). The
   * acknowledgement is sent by {@link #flushAcks} as one {@code basicAck(tag, multiple=true)} for
   * the settled deliveries below the first one still in progress: once the loop has done what it
   * has at hand (at the end of the current task when no other waits, else after those) when the
   * last acknowledgement is {@link #ACK_DEFER_NS} old or {@link #ackBatch} wait, else from the
   * loop's timer that much after the last. (Requests settled by their reply's confirm are
   * acknowledged by {@link #confirmed}.)
   */
  void ack(Delivery d) {
    synchronized (lock) {
      // settled, and the flush scheduled, under one lock: the connection thread takes it too
      if (!settleLocked(d, false)) {
        return;
      }
      if (ackFlushScheduled && acks.unsent() < ackBatch) {
        return; // the flush on its way covers it
      }
      if (!ackDueLocked()) {
        deferAckFlushLocked();
        return;
      }
      ackFlushScheduled = true;
    }
    if (!loop.runAtEnd(flushAcks)) {
      loop.execute(flushAcks);
    }
  }

  /**
   * Under the lock: whether settled deliveries are to be acknowledged now rather than with those
   * settled in the next moments: when {@link #ackBatch} wait, or the last acknowledgement is
   * {@link #ACK_DEFER_NS} old (one request or message at a time is acknowledged at once).
   */
  private boolean ackDueLocked() {
    return acks.unsent() >= ackBatch || System.nanoTime() - lastAckNanos >= ACK_DEFER_NS;
  }

  /** Under the lock: acknowledges what is settled {@link #ACK_DEFER_NS} after the last flush. */
  private void deferAckFlushLocked() {
    ackFlushScheduled = true;
    long wait = ACK_DEFER_NS - (System.nanoTime() - lastAckNanos);
    loop.schedule(flushAcks, Math.max(wait, 10_000), TimeUnit.NANOSECONDS);
  }

  /**
   * Under the lock: settles a delivery of the current channel; false when it is not one (older
   * ones were requeued) or is not acknowledged (no-ack).
   */
  private boolean settleLocked(Delivery d, boolean sent) {
    Channel ch = channel;
    if (d.gen != gen || !up || ch == null || d.autoAck) {
      return false;
    }
    d.settledGen = d.gen;
    try {
      acks.settle(d.tag, sent, ch);
    } catch (IOException | RuntimeException e) {
      log.debug("ack on {} failed: {}", describe, e.toString());
    }
    return true;
  }

  /**
   * Loop: a delivery settled off the loop ({@link Inbox#doneLater}) that a redelivery retagged
   * before the loop heard of it (its reply's confirm read while the redelivery waited for the loop):
   * the settle found the old channel's tag, void now, so the new tag is acknowledged here.
   */
  void ackIfRetagged(Delivery d) {
    // without the lock: settledGen was written before the delivery was queued for the loop (the
    // queue orders it before this read), and gen is written only by the loop
    if (d.settledGen != d.gen) {
      ack(d);
    }
  }

  /**
   * Under the lock: sends the acknowledgements collected, on the current channel; false when the
   * link is down (nothing to send them on).
   */
  private boolean sendAcksLocked() {
    Channel ch = channel;
    if (!up || ch == null) {
      return false;
    }
    try {
      if (acks.flush(ch)) {
        lastAckNanos = System.nanoTime();
      }
    } catch (IOException | RuntimeException e) {
      log.debug("ack on {} failed: {}", describe, e.toString());
    }
    return true;
  }

  /** Under the lock, on amqp-client's connection thread: sends what {@link #settle} collected. */
  private void flushAcksLocked() {
    if (!sendAcksLocked()) {
      return;
    }
    if (acks.waitingBehindGap() && !ackFlushScheduled) {
      // the loop's flush sweeps them (the loop reads the flag under the lock too)
      ackFlushScheduled = true;
      loop.execute(flushAcks);
    }
  }

  /**
   * Loop: a redelivery of a message in progress (after a reconnect) takes over from {@code
   * earlier}: its tag is the one to acknowledge now.
   */
  void retag(Delivery earlier, Delivery d) {
    synchronized (lock) {
      earlier.gen = d.gen;
      earlier.tag = d.tag;
    }
  }

  /** Loop: gives a delivery back ({@code requeue}) or to the dead-letter queue. */
  void reject(Delivery d, boolean requeue) {
    synchronized (lock) {
      Channel ch = channel;
      if (d.gen == gen && up && ch != null && !d.autoAck) {
        try {
          ch.basicReject(d.tag, requeue);
          acks.settle(d.tag, true, ch);
        } catch (IOException | RuntimeException e) {
          log.debug("reject on {} failed: {}", describe, e.toString());
          return;
        }
      } else {
        return;
      }
    }
    scheduleAckFlush();
  }

  /** Loop. */
  private void scheduleAckFlush() {
    synchronized (lock) {
      if (ackFlushScheduled) {
        return;
      }
      ackFlushScheduled = true;
    }
    if (!loop.runAtEnd(flushAcks)) {
      loop.execute(flushAcks);
    }
  }

  /** Loop: sends the acknowledgements {@link #ack} collected. */
  private void flushAcks() {
    synchronized (lock) {
      ackFlushScheduled = false;
      if (!sendAcksLocked() || !acks.waitingBehindGap()) {
        return;
      }
    }
    if (!ackSweepScheduled) {
      // settled deliveries behind one still in progress (a slow handler): acknowledged one by one
      // soon, so that they do not hold prefetch slots for as long as that handler runs
      ackSweepScheduled = true;
      int g = gen;
      loop.schedule(
          () -> {
            ackSweepScheduled = false;
            synchronized (lock) {
              Channel c = channel;
              if (g == gen && up && c != null) {
                try {
                  acks.flushAll(c);
                } catch (IOException | RuntimeException e) {
                  log.debug("ack on {} failed: {}", describe, e.toString());
                }
              }
            }
          },
          ACK_SWEEP_MS,
          TimeUnit.MILLISECONDS);
    }
  }

  /** Loop: the current channel, for one-off declarations; null while down. */
  @Nullable Channel channel() {
    return up ? channel : null;
  }

  private void lost(int g, Throwable cause) {
    if (g != gen || !up || closing) {
      return;
    }
    synchronized (lock) {
      up = false;
      writable = false;
      channel = null;
      for (Out o : outs) {
        o.seq = 0;
      }
    }
    lastError = cause;
    Connection c = connection;
    connection = null;
    log.warn("connection to {} lost ({}); reconnecting", describe, messages(cause));
    if (c != null) {
      abort(c);
    }
    owner().onDown(cause);
    scheduleReconnect();
  }

  private void scheduleReconnect() {
    if (closing) {
      return;
    }
    long delay = backoffMs;
    backoffMs = Math.min(BACKOFF_MAX_MS, backoffMs * 2);
    loop.schedule(() -> BLOCKING.execute(this::reconnect), delay, TimeUnit.MILLISECONDS);
  }

  private void reconnect() {
    if (closing) {
      return;
    }
    Connection c;
    try {
      c = factory.newConnection(loop.deliveries, name);
    } catch (IOException | TimeoutException | RuntimeException e) {
      loop.execute(
          () -> {
            lastError = e;
            log.debug("reconnecting to {} failed: {}", describe, messages(e));
            scheduleReconnect();
          });
      return;
    }
    loop.execute(
        () -> {
          if (closing) {
            abort(c);
            return;
          }
          try {
            install(c);
          } catch (IOException | RuntimeException e) {
            abort(c);
            lastError = e;
            log.debug("setting up {} after a reconnect failed: {}", describe, messages(e));
            scheduleReconnect();
            return;
          }
          log.info("connection to {} recovered", describe);
          owner().onUp();
        });
  }

  /** Why the link is down, for error messages. */
  String lastError() {
    Throwable e = lastError;
    return e == null ? "no error" : messages(e);
  }

  private static void abort(Connection c) {
    BLOCKING.execute(() -> c.abort(1000));
  }

  /**
   * Closes: waits up to {@code drain} for outstanding confirms, then closes the connection (the
   * broker requeues unacknowledged deliveries) and fails what is still unconfirmed. From any
   * thread; the Mono completes when the connection is closed.
   */
  Mono<Void> close(Duration drain) {
    return close(drain, null);
  }

  /** Like {@link #close(Duration)}, running {@code lastWords} on the channel first if it is up. */
  Mono<Void> close(Duration drain, @Nullable Consumer<Channel> lastWords) {
    return Mono.<Void>create(
            sink ->
                loop.execute(
                    () -> {
                      if (closing) {
                        sink.success();
                        return;
                      }
                      closing = true;
                      Channel ch = channel;
                      if (lastWords != null && up && ch != null) {
                        lastWords.accept(ch);
                      }
                      drainThenClose(System.nanoTime() + drain.toNanos(), sink);
                    }))
        .onErrorResume(e -> Mono.empty());
  }

  private void drainThenClose(long deadline, MonoSink<Void> sink) {
    boolean waiting;
    synchronized (lock) {
      waiting = !outs.isEmpty();
    }
    if (up && waiting && System.nanoTime() < deadline) {
      loop.schedule(() -> drainThenClose(deadline, sink), 5, TimeUnit.MILLISECONDS);
      return;
    }
    Connection c = connection;
    Channel last = channel;
    ArrayList<Out> left;
    synchronized (lock) {
      if (up && last != null) {
        // what was handled is acknowledged before the connection goes, or the broker redelivers it
        try {
          acks.flushAll(last);
        } catch (IOException | RuntimeException e) {
          log.debug("ack on {} failed: {}", describe, e.toString());
        }
      }
      up = false;
      writable = false;
      channel = null;
      gen++;
      left = new ArrayList<>(outs);
      outs.clear();
      outBytes = 0;
    }
    connection = null;
    for (Out o : left) {
      finish(o, new ConnectionLostException("the connection to " + describe + " closed before the broker confirmed"));
    }
    if (c == null) {
      sink.success();
      return;
    }
    BLOCKING.execute(
        () -> {
          try {
            c.close(2000);
          } catch (IOException | AlreadyClosedException e) {
            // already gone
          } catch (RuntimeException e) {
            log.debug("closing {}: {}", describe, e.toString());
          }
          sink.success();
        });
  }

  boolean isClosing() {
    return closing;
  }
}
