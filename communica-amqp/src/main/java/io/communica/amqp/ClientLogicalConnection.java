package io.communica.amqp;

import com.rabbitmq.client.Channel;
import io.communica.amqp.BrokerLink.Delivery;
import io.communica.amqp.BrokerLink.Out;
import io.communica.core.ConnectionLostException;
import io.communica.core.frame.ControlFrames;
import io.communica.core.frame.FrameType;
import io.communica.core.transport.ConnectionHandler;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.FrameListener;
import io.communica.core.transport.TransportOptions;
import io.communica.core.transport.WriteListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.collection.IntObjectHashMap;
import java.io.IOException;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * A client's logical connection to an address: not to one server process but to whichever
 * serves the address. It lives across losses of the broker connection (the {@link BrokerLink}
 * reconnects and republishes) and closes when the entity closes it, when no server has answered
 * for the liveness period, or when the broker stayed unreachable that long.
 *
 * <p>Frames the session writes go by type: HELLO, CANCEL and CLOSE to every server process (the
 * exchange's servers key), REQUEST and MESSAGE to the address queue, RESPONSE and ERROR to the
 * server process that asked, with the request id it used. PING is answered here: liveness is the
 * transport's business. Server processes number their requests independently, so requests from
 * servers get a local id here, and replies get theirs back.
 *
 * <p>Each logical connection has an epoch, larger than those before it in this process, sent with
 * everything; replies to an earlier connection's requests are dropped instead of reaching a new
 * session that reuses the ids.
 */
final class ClientLogicalConnection extends LogicalConnection implements BrokerLink.Owner {

  private static final Logger log = LoggerFactory.getLogger(ClientLogicalConnection.class);
  private static final AtomicLong LAST_EPOCH = new AtomicLong();

  /**
   * A random (version 4) UUID: the id communica generates for a client built without one. Such a
   * client is never seen again after it closes, so its queue is deleted on a clean close.
   */
  private static final java.util.regex.Pattern GENERATED_ID =
      java.util.regex.Pattern.compile(
          "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

  private final AmqpConnector connector;
  private final Naming names;
  private final String describe;
  private final long livenessNanos;
  private final String expiration;
  private final Wire.MessageIds ids = new Wire.MessageIds();
  private static final com.rabbitmq.client.AMQP.BasicProperties PERSISTENT = Wire.persistent(null);
  private static final com.rabbitmq.client.AMQP.BasicProperties TRANSIENT = Wire.transientProps(null, null);
  private final com.rabbitmq.client.AMQP.BasicProperties requestProps;
  private final com.rabbitmq.client.AMQP.BasicProperties controlProps;
  private final long epoch;

  // loop-confined
  private @Nullable String clientQueue;
  private boolean generatedId;
  /** The session wrote its CLOSE: the entity is closing (not a protocol error). */
  private boolean leaving;
  /**
   * The session's HELLO (limits patched) as it travels in the trailer of what this client sends:
   * its introduction, packed ({@link Wire#intro}).
   */
  private byte @Nullable [] intro;
  /** The HELLO as a body of its own (sealed), repeated as liveness. */
  private byte @Nullable [] helloBody;
  private boolean welcomed;
  /** A server process answered this connection (else it was opened with no server listening). */
  private boolean serverSeen;
  private long lastServerNanos;
  private long downSinceNanos = -1;
  private @Nullable Future<?> ticker;
  private @Nullable Throwable closeCause;
  private final IntObjectHashMap<Remote> remote = new IntObjectHashMap<>();
  private int nextLocalId;
  /** Publishes of MESSAGE frames (alone or batched) the broker has not confirmed yet. */
  private int messagesUnconfirmed;
  /** MESSAGE frames waiting for a confirm, to go in one batch: bodies, frame lengths, listeners. */
  private final byte[][] waiting = new byte[Wire.MAX_BATCH][];
  private final int[] waitingLens = new int[Wire.MAX_BATCH];
  private final @Nullable WriteListener[] waitingListeners = new WriteListener[Wire.MAX_BATCH];
  private int waitingCount;
  private int waitingBytes;
  private final Runnable messageConfirmed = this::messageConfirmed;

  /**
   * Publishes of fire-and-forget messages that may wait for the broker's confirm before the next
   * messages wait too, to leave together in one batch ({@link Wire#batch}) when a confirm comes: a
   * client that sends no faster than the broker confirms publishes each message alone, at once;
   * one that sends faster makes the broker work per batch instead of per message.
   */
  static final int MESSAGE_WINDOW = 4;

  /**
   * The most frame bytes that wait for a confirm: a message that would take the waiting ones past
   * it makes them leave first, and one of this size or more travels alone.
   */
  static final int BATCH_BYTES = 64 * 1024;

  /**
   * A request, stream or channel from a server process, under a local id. A stream's delivery is
   * acknowledged when it is taken ({@code delivery} null); a request's when it is answered.
   */
  private static final class Remote {
    final String replyTo;
    final int remoteId;
    final long epoch;
    final @Nullable Delivery delivery;
    final boolean channel;
    /** A channel's directions that ended: its input (COMPLETE received) and output (sent). */
    boolean inputDone;
    boolean outputDone;

    Remote(String replyTo, int remoteId, long epoch, @Nullable Delivery delivery, boolean channel) {
      this.replyTo = replyTo;
      this.remoteId = remoteId;
      this.epoch = epoch;
      this.delivery = delivery;
      this.channel = channel;
    }
  }

  ClientLogicalConnection(AmqpConnector connector, TransportOptions options) {
    this(connector, new BrokerLink(connector, options.connectTimeout(), "communica client " + connector.address()));
  }

  private ClientLogicalConnection(AmqpConnector connector, BrokerLink link) {
    super(link, new Inbox(link));
    this.connector = connector;
    this.names = new Naming(connector);
    this.describe = connector.describe();
    this.livenessNanos = connector.liveness().toNanos();
    this.expiration = Long.toString(connector.liveness().toMillis());
    this.requestProps =
        connector.directReplies() ? Wire.transientProps(BrokerLink.DIRECT_REPLY_TO, null) : TRANSIENT;
    this.controlProps = Wire.transientProps(null, expiration);
    this.epoch = LAST_EPOCH.updateAndGet(prev -> Math.max(prev + 1, System.currentTimeMillis() * 1000));
  }

  Mono<FrameConnection> start(ConnectionHandler handler) {
    return link.start(this)
        .then(
            Mono.<FrameConnection>create(
                sink ->
                    link.loop.execute(
                        () -> {
                          try {
                            listener = handler.onConnection(this);
                          } catch (RuntimeException e) {
                            closeWith(e);
                            sink.error(e);
                            return;
                          }
                          long period = tickNanos(livenessNanos);
                          ticker =
                              link.loop.scheduleAtFixedRate(
                                  this::tick, period, period, TimeUnit.NANOSECONDS);
                          sink.success(this);
                        })))
        .doOnError(e -> link.close(Duration.ZERO).subscribe());
  }

  // ---------------------------------------------------------------- BrokerLink.Owner

  @Override
  public void declare(Channel ch) throws IOException {
    Topology.declareAddress(ch, connector, names);
    if (connector.directReplies()) {
      link.consumeDirectReplies(ch, DIRECT); // before any request names it
    }
    String q = clientQueue;
    if (q != null) {
      declareClientQueue(ch, q);
    }
  }

  /** Source of deliveries by direct reply-to. */
  private static final int DIRECT = 2;

  private void declareClientQueue(Channel ch, String q) throws IOException {
    Topology.declareClient(ch, connector, names, q);
    link.consume(ch, q, 0);
  }

  @Override
  public void onDelivery(Delivery d) {
    FrameListener l = listener;
    if (closed || l == null) {
      return; // unacknowledged: the broker gives it to the next connection
    }
    String bad = d.batch ? "a batch of messages from a server" : Wire.malformed(d.props, d.body, d.len);
    if (bad != null) {
      inbox.dead(d, bad);
      return;
    }
    long ep = d.epoch();
    byte[] body = d.body;
    lastServerNanos = System.nanoTime();
    switch (Wire.type(body)) {
      case FrameType.WELCOME -> {
        link.ack(d);
        if (ep == epoch) {
          if (!serverSeen && welcomed) {
            log.info("a server now listens on {}", describe);
          }
          serverSeen = true;
          if (!welcomed) {
            welcomed = true;
            deliver(d);
          }
        }
      }
      case FrameType.REFUSE -> {
        link.ack(d);
        if (ep == epoch) {
          deliver(d);
        }
      }
      case FrameType.RESPONSE, FrameType.ERROR -> {
        // not through the inbox: a reply is handled at once, so never in progress, and a repeated
        // one (a redelivery, a request answered twice) finds no pending request in the session,
        // whose request ids only grow. Acknowledged (batched) whatever it is; direct reply-to has
        // nothing to acknowledge.
        AmqpCounters.delivered(d.redelivered);
        link.ack(d);
        if (ep == epoch) {
          deliver(d); // else for a session that is gone
        }
      }
      case FrameType.REQUEST -> {
        String replyTo = d.props.getReplyTo();
        if (replyTo == null) {
          inbox.dead(d, "a request from a server without reply-to");
          return;
        }
        if (inbox.admit(d)) {
          int local = localId();
          remote.put(local, new Remote(replyTo, Wire.id(body), ep, d, false));
          Wire.setId(body, local);
          deliver(d);
        }
      }
      case FrameType.REQUEST_STREAM, FrameType.REQUEST_CHANNEL -> {
        String replyTo = d.props.getReplyTo();
        if (replyTo == null) {
          inbox.dead(d, "a stream from a server without reply-to");
          return;
        }
        if (inbox.admit(d)) {
          int local = localId();
          remote.put(
              local,
              new Remote(replyTo, Wire.id(body), ep, null, Wire.type(body) == FrameType.REQUEST_CHANNEL));
          Wire.setId(body, local);
          deliver(d);
          inbox.done(d);
        }
      }
      case FrameType.NEXT, FrameType.COMPLETE, FrameType.REQUEST_N -> {
        link.ack(d);
        if (Wire.fromResponder(body)) {
          if (ep == epoch) {
            deliver(d); // of a stream this client opened
          }
          return;
        }
        int local = localOf(d.props.getReplyTo(), Wire.id(body));
        if (local != 0) {
          if (Wire.type(body) == FrameType.COMPLETE) {
            Remote r = remote.get(local);
            r.inputDone = true;
            forgetIfDone(local, r);
          }
          Wire.setId(body, local);
          deliver(d);
        }
      }
      case FrameType.MESSAGE -> {
        if (inbox.admit(d)) {
          Wire.setId(body, inbox.token(d, this));
          deliver(d);
        }
      }
      case FrameType.CANCEL -> {
        link.ack(d);
        if (Wire.fromResponder(body)) {
          if (ep == epoch) {
            deliver(d); // a channel's responder wants no more of this client's input
          }
          return;
        }
        String from = d.props.getReplyTo();
        int id = Wire.id(body);
        for (Iterator<IntObjectHashMap.PrimitiveEntry<Remote>> it = remote.entries().iterator();
            it.hasNext(); ) {
          IntObjectHashMap.PrimitiveEntry<Remote> e = it.next();
          Remote r = e.value();
          if (r.remoteId == id && r.replyTo.equals(from)) {
            int local = e.key();
            it.remove();
            if (r.delivery != null) {
              inbox.done(r.delivery);
            }
            Wire.setId(body, local);
            deliver(d);
            break;
          }
        }
      }
      default -> inbox.dead(d, "a " + FrameType.name(Wire.type(body)) + " frame from a server");
    }
  }

  /** The local id of the server's call {@code remoteId} from process queue {@code from}; 0 if none. */
  private int localOf(@Nullable String from, int remoteId) {
    for (IntObjectHashMap.PrimitiveEntry<Remote> e : remote.entries()) {
      Remote r = e.value();
      if (r.remoteId == remoteId && r.replyTo.equals(from)) {
        return e.key();
      }
    }
    return 0;
  }

  private void forgetIfDone(int local, Remote r) {
    if (r.outputDone && (!r.channel || r.inputDone)) {
      remote.remove(local);
    }
  }

  private int localId() {
    int id;
    do {
      id = ++nextLocalId;
      if (id <= 0) {
        nextLocalId = 0;
        id = ++nextLocalId;
      }
    } while (remote.containsKey(id));
    return id;
  }


  /**
   * A returned HELLO means that no server process listens on the address. The connection opens
   * all the same, welcomed here with the client's own limits: what the client sends waits in the
   * address queue (bounded by {@code maxLength}) until a server starts, as a log shipper started
   * before its collector expects. The HELLO goes on being repeated, and the first server to start
   * answers it; liveness applies from then on.
   */
  @Override
  public void onReturn(Out o, String reason) {
    if (Wire.type(o.body) == FrameType.HELLO) {
      if (!welcomed) {
        welcomed = true;
        log.info(
            "no server is listening on {}: requests and messages wait in its queue (at most {})"
                + " until one starts",
            describe,
            connector.maxLength());
        deliver(welcomeFor(o.body));
      }
      return;
    }
    log.warn("{}", reason);
  }

  /**
   * A WELCOME answering {@code hello} with the client's own limits (as patched for AMQP): the
   * HELLO's header and its first three fields, maximum message, maximum frame and keep-alive.
   */
  private static byte[] welcomeFor(byte[] hello) {
    byte[] w = java.util.Arrays.copyOf(hello, Wire.B_HEADER + 12);
    w[Wire.B_TYPE] = (byte) FrameType.WELCOME;
    return w;
  }

  @Override
  public void onUp() {
    downSinceNanos = -1;
    lastServerNanos = System.nanoTime();
    byte[] h = helloBody;
    if (h != null && !closed) {
      broadcastSealed(h, false, null);
    }
  }

  @Override
  public void onDown(Throwable cause) {
    downSinceNanos = System.nanoTime();
    if (connector.directReplies() && !closed) {
      // the direct reply-to name died with the broker connection: replies on their way are lost,
      // so the requests in flight fail now instead of at their timeout, and the entity reconnects
      closeWith(
          new ConnectionLostException(
              "the broker connection of " + describe + " dropped (" + BrokerLink.messages(cause)
                  + "); with replies=direct the replies on their way are lost"));
    }
  }

  @Override
  public void onWritable() {
    writable();
  }

  private void tick() {
    if (closed) {
      return;
    }
    long now = System.nanoTime();
    if (!link.isUp()) {
      if (downSinceNanos >= 0 && now - downSinceNanos > livenessNanos) {
        closeWith(
            new ConnectionLostException(
                "the broker of " + describe + " has been unreachable for "
                    + TimeUnit.NANOSECONDS.toMillis(now - downSinceNanos) + " ms: "
                    + link.lastError()));
      } else {
        alive(); // within the liveness period the connection lives across the outage
      }
      return;
    }
    if (serverSeen && now - lastServerNanos > livenessNanos) {
      closeWith(
          new ConnectionLostException(
              "no server answered on " + describe + " for "
                  + TimeUnit.NANOSECONDS.toMillis(now - lastServerNanos) + " ms (liveness "
                  + connector.liveness().toMillis() + " ms)"));
      return;
    }
    alive();
    byte[] h = helloBody;
    if (h != null) {
      broadcastSealed(h, !welcomed, null);
    }
  }

  // ---------------------------------------------------------------- FrameConnection

  @Override
  int trailerRoom(int type) {
    byte[] h = intro;
    return type == FrameType.HELLO || h == null ? Wire.TRAILER : Wire.TRAILER + h.length;
  }

  @Override
  void route(int type, byte[] body, int len, ByteBuf frame, @Nullable WriteListener l) {
    switch (type) {
      case FrameType.HELLO -> onHello(java.util.Arrays.copyOf(body, len));
      case FrameType.MESSAGE -> message(body, len, l);
      case FrameType.REQUEST, FrameType.REQUEST_STREAM, FrameType.REQUEST_CHANNEL -> {
        flushMessages(); // in the order the session wrote them
        link.publish(
            new Out(
                "",
                names.addressQueue,
                false,
                type == FrameType.REQUEST ? requestProps : TRANSIENT,
                Wire.seal(body, len, ids.next(), epoch, intro),
                l,
                null));
      }
      case FrameType.RESPONSE, FrameType.ERROR -> reply(body, len);
      case FrameType.CANCEL, FrameType.NEXT, FrameType.COMPLETE, FrameType.REQUEST_N -> {
        if (Wire.fromResponder(body)) {
          toServerCall(type, body, len, l); // this client serves a stream of a server process
        } else {
          // this client's own stream: the process that took it is not known here; every process
          // of the address gets the frame, the others have no stream of this id and drop it
          broadcastSealed(Wire.seal(body, len, ids.next(), epoch, intro), false, l);
        }
      }
      case FrameType.CLOSE -> {
        flushMessages();
        leaving = !ControlFrames.text(frame).startsWith("protocol error");
        broadcastSealed(Wire.seal(body, len, ids.next(), epoch, intro), false, null);
      }
      default -> log.error("a {} frame from the session on {}", FrameType.name(type), describe);
    }
  }

  private void onHello(byte[] body) {
    String id = Wire.helloClientId(body);
    if (id == null) {
      closeWith(new IllegalStateException("the session wrote a malformed HELLO"));
      return;
    }
    Wire.patchLimits(body, body.length);
    intro = Wire.intro(body);
    byte[] sealed = Wire.sealed(body, ids.next(), epoch, null);
    helloBody = sealed;
    String q = names.clientQueue(id);
    clientQueue = q;
    generatedId = GENERATED_ID.matcher(id).matches();
    Channel ch = link.channel();
    if (ch != null) {
      try {
        declareClientQueue(ch, q);
      } catch (IOException | RuntimeException e) {
        closeWith(new ConnectionLostException("cannot set up the queue of client '" + id + "': " + BrokerLink.messages(e), e));
        return;
      }
    }
    lastServerNanos = System.nanoTime();
    broadcastSealed(sealed, true, null);
  }

  /**
   * A fire-and-forget message: published at once while fewer than {@link #MESSAGE_WINDOW} such
   * publishes wait for the broker's confirm, else kept (the body has room for the trailer) to leave
   * with the others that come meanwhile at the next confirm.
   */
  private void message(byte[] body, int len, @Nullable WriteListener l) {
    if (waitingBytes + len > BATCH_BYTES) {
      flushMessages(); // those written before it leave first (a large message then goes alone)
    }
    if (len >= BATCH_BYTES || (messagesUnconfirmed < MESSAGE_WINDOW && waitingCount == 0)) {
      publishMessage(body, len, l);
      return;
    }
    int i = waitingCount++;
    waiting[i] = body;
    waitingLens[i] = len;
    waitingListeners[i] = l;
    waitingBytes += len;
    if (waitingCount == Wire.MAX_BATCH) {
      flushMessages();
    }
  }

  /** Loop: the broker confirmed (or refused) a publish of messages; those waiting leave now. */
  private void messageConfirmed() {
    messagesUnconfirmed--;
    flushMessages();
  }

  /** Publishes the waiting messages: alone when one waits, else as a batch. */
  private void flushMessages() {
    int n = waitingCount;
    if (n == 0) {
      return;
    }
    // emptied before publishing: a publish refused at once runs messageConfirmed, which flushes
    if (n == 1) {
      byte[] body = waiting[0];
      int len = waitingLens[0];
      WriteListener l = waitingListeners[0];
      clearWaiting(n);
      publishMessage(body, len, l);
      return;
    }
    byte[] batch = Wire.batch(waiting, waitingLens, n, ids.next(), epoch, intro);
    WriteListener[] ls = java.util.Arrays.copyOf(waitingListeners, n);
    clearWaiting(n);
    messagesUnconfirmed++;
    link.publish(
        new Out(
            "", names.addressQueue, false, PERSISTENT, batch, error -> tellAll(ls, error),
            messageConfirmed));
  }

  private void clearWaiting(int n) {
    java.util.Arrays.fill(waiting, 0, n, null);
    java.util.Arrays.fill(waitingListeners, 0, n, null);
    waitingCount = 0;
    waitingBytes = 0;
  }

  /** Publishes one message alone, counted until its confirm. */
  private void publishMessage(byte[] body, int len, @Nullable WriteListener l) {
    messagesUnconfirmed++;
    link.publish(
        new Out(
            "", names.addressQueue, false, PERSISTENT, Wire.seal(body, len, ids.next(), epoch, intro),
            l, messageConfirmed));
  }

  private static void tellAll(@Nullable WriteListener[] ls, @Nullable Throwable error) {
    for (WriteListener l : ls) {
      if (l != null) {
        BrokerLink.tell(l, error); // each hears, whatever one of them throws
      }
    }
  }

  /** Publishes a sealed body to every server process of the address. */
  private void broadcastSealed(byte[] body, boolean mandatory, @Nullable WriteListener l) {
    link.publish(
        new Out(
            names.exchange,
            names.serversKey,
            mandatory,
            controlProps,
            body,
            l,
            null));
  }

  /** A frame of a stream or channel a server process opened, to that process. */
  private void toServerCall(int type, byte[] body, int len, @Nullable WriteListener l) {
    int local = Wire.id(body);
    Remote r = remote.get(local);
    if (r == null) {
      if (l != null) {
        l.onWritten(null); // the stream is over: nobody waits for it
      }
      return;
    }
    if (type == FrameType.COMPLETE) {
      r.outputDone = true;
      forgetIfDone(local, r);
    }
    Wire.setId(body, r.remoteId);
    // with the epoch of the connection the call came on
    link.publish(
        new Out(
            "",
            r.replyTo,
            false,
            TRANSIENT,
            Wire.seal(body, len, ids.next(), r.epoch, intro),
            l,
            null));
  }

  private void reply(byte[] body, int len) {
    Remote r = remote.remove(Wire.id(body));
    if (r == null) {
      return; // cancelled meanwhile
    }
    Wire.setId(body, r.remoteId);
    Delivery request = r.delivery;
    link.publish(
        new Out(
            "",
            r.replyTo,
            false,
            TRANSIENT,
            Wire.seal(body, len, ids.next(), r.epoch, intro), // the epoch of the connection it came on
            null,
            null,
            request == null ? null : inbox,
            request)); // acknowledged when the broker confirmed the reply
  }

  private void closeWith(Throwable cause) {
    if (closeCause == null) {
      closeCause = cause;
    }
    close();
  }

  @Override
  public void close() {
    if (!link.loop.inEventLoop()) {
      link.loop.execute(this::close);
      return;
    }
    if (closed) {
      return;
    }
    closed = true;
    flushMessages(); // written before the close: confirmed before the link goes, as the rest
    Future<?> t = ticker;
    if (t != null) {
      t.cancel(false);
    }
    Throwable cause = closeCause;
    if (cause != null) {
      log.info("closing {}: {}", describe, cause.getMessage());
    }
    link.loop.execute(
        () -> {
          FrameListener l = listener;
          if (l != null) {
            l.onClosed(cause);
          }
        });
    // what the session wrote last (its CLOSE) is confirmed before the connection goes; a client
    // with a generated id that leaves cleanly takes its queue with it
    String q = clientQueue;
    link.close(
            Duration.ofSeconds(5),
            cause == null && leaving && generatedId && q != null ? ch -> Topology.delete(ch, q) : null)
        .subscribe();
  }

  @Override
  String describe() {
    return describe;
  }

  @Override
  public String toString() {
    return "ClientLogicalConnection[" + describe + ", epoch " + epoch + "]";
  }
}
