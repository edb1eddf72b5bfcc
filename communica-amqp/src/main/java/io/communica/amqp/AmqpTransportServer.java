package io.communica.amqp;

import com.rabbitmq.client.Channel;
import io.communica.amqp.BrokerLink.Delivery;
import io.communica.amqp.BrokerLink.Out;
import io.communica.core.ConnectionLostException;
import io.communica.core.Connector;
import io.communica.core.TransportServer;
import io.communica.core.frame.FrameType;
import io.communica.core.transport.ConnectionHandler;
import io.communica.core.transport.TransportOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * One server process on an address. It consumes the address queue (with the other processes of
 * the address: competing consumers) and its own process queue (broadcasts from clients, replies to
 * its requests), and keeps a logical connection, a {@link ServerLogicalConnection} with its own session,
 * per client it hears from. A connection is opened by the client's HELLO broadcast or by the first
 * request or message of a client whose HELLO this process never saw (the HELLO travels in the
 * trailer of each, see {@link Wire}), and closed when the client closes it, stops announcing itself for the liveness
 * period, or is replaced by a newer epoch of the same client id.
 */
final class AmqpTransportServer implements TransportServer, BrokerLink.Owner {

  private static final Logger log = LoggerFactory.getLogger(AmqpTransportServer.class);

  static final int FROM_ADDRESS = 0;
  static final int FROM_PROCESS = 1;

  final AmqpConnector connector;
  final Naming names;
  final BrokerLink link;
  final Inbox inbox;
  final String processQueue;
  final String expiration;
  final Wire.MessageIds ids = new Wire.MessageIds();
  /** The properties of what this process publishes, by kind (see {@link Wire}). */
  final com.rabbitmq.client.AMQP.BasicProperties persistentProps;
  final com.rabbitmq.client.AMQP.BasicProperties transientProps;
  final com.rabbitmq.client.AMQP.BasicProperties controlProps;
  private final ConnectionHandler handler;
  private final long livenessNanos;
  private final Sinks.Empty<Void> closedSink = Sinks.empty();

  // loop-confined
  /** The newest connection of each client id, open, refused or (briefly) closed. */
  private final Map<String, ServerLogicalConnection> clients = new HashMap<>();
  /** Every open connection, including replaced ones until their session closes them. */
  private final Set<ServerLogicalConnection> open = new LinkedHashSet<>();
  /**
   * Clients known to have left, by id: the newest epoch each closed (its CLOSE, or its queue
   * gone). What such a client sent before it left is not a sign of life: its messages are still
   * handled, but it is not listed as connected again. The most recent {@value #DEPARTED_MAX}.
   */
  private final Map<String, Long> departed =
      new java.util.LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
          return size() > DEPARTED_MAX;
        }
      };

  static final int DEPARTED_MAX = 10_000;

  /** A WELCOME body of this process, to answer the HELLOs clients repeat as liveness. */
  byte @Nullable [] welcome;
  volatile boolean closing;
  private @Nullable Future<?> ticker;

  AmqpTransportServer(AmqpConnector connector, TransportOptions options, ConnectionHandler handler) {
    this.connector = connector;
    this.names = new Naming(connector);
    this.handler = handler;
    String instance = Topology.instanceId();
    this.processQueue = names.serverQueue(instance);
    this.link =
        new BrokerLink(
            connector,
            options.connectTimeout(),
            "communica server " + connector.address() + " " + instance);
    this.inbox = new Inbox(link, names.addressQueue, names.deadLetterQueue);
    this.livenessNanos = connector.liveness().toNanos();
    this.expiration = Long.toString(connector.liveness().toMillis());
    this.persistentProps = Wire.persistent(processQueue);
    this.transientProps = Wire.transientProps(processQueue, null);
    this.controlProps = Wire.transientProps(processQueue, expiration);
  }

  Mono<TransportServer> start() {
    return link.start(this)
        .then(
            Mono.fromCallable(
                () -> {
                  long period = LogicalConnection.tickNanos(livenessNanos);
                  ticker =
                      link.loop.scheduleAtFixedRate(this::tick, period, period, TimeUnit.NANOSECONDS);
                  return (TransportServer) this;
                }));
  }

  // ---------------------------------------------------------------- TransportServer

  @Override
  public Connector connector() {
    return connector;
  }

  /**
   * Stops consuming: the process queue is deleted (so clients that look for a server see none is
   * left) and the broker connection closed after outstanding confirms, which gives every request
   * this process had not answered back to the address queue for another process.
   */
  @Override
  public void close() {
    if (closing) {
      return;
    }
    // set at once: a client heard from from now on is refused by the closing entity, and that
    // refusal must not reach the client, which other processes still serve
    closing = true;
    link.loop.execute(
        () -> {
          Future<?> t = ticker;
          if (t != null) {
            t.cancel(false);
          }
          link.close(Duration.ofSeconds(2), ch -> Topology.delete(ch, processQueue))
              .subscribe(
                  null,
                  null,
                  () ->
                      link.loop.execute(
                          () -> {
                            closeLeftovers();
                            closedSink.tryEmitEmpty();
                          }));
        });
  }

  /**
   * Loop, once the broker connection is closed: closes the logical connections still open. The
   * entity drains and closes its sessions when it closes this process (and closes a handshake that
   * finishes meanwhile); a logical connection that is open all the same cannot outlive the broker
   * connection it travels on, since nothing can reach it or leave it any more and the liveness
   * ticker has stopped.
   */
  private void closeLeftovers() {
    for (ServerLogicalConnection c : new ArrayList<>(open)) {
      c.closeWith(
          new ConnectionLostException(
              "the server process on " + connector.describe() + " closed its broker connection"));
    }
  }

  @Override
  public Mono<Void> onClose() {
    return closedSink.asMono();
  }

  // ---------------------------------------------------------------- BrokerLink.Owner

  @Override
  public void declare(Channel ch) throws IOException {
    Topology.declareAddress(ch, connector, names);
    Topology.declareServer(ch, connector, names, processQueue);
    link.consume(ch, names.addressQueue, FROM_ADDRESS);
    link.consume(ch, processQueue, FROM_PROCESS);
  }

  @Override
  public void onDelivery(Delivery d) {
    if (closing) {
      return; // left unacknowledged: requeued when the connection closes
    }
    String bad = Wire.malformed(d.props, d.body, d.len);
    if (bad != null) {
      inbox.dead(d, bad);
      return;
    }
    String clientId = clientId(d.body, d.len);
    if (clientId == null) {
      inbox.dead(d, "no valid HELLO in the trailer to take the client on");
      return;
    }
    long ep = d.epoch();
    int type = Wire.type(d.body);
    boolean opens = type == FrameType.HELLO || Wire.opensCall(type);
    if (type == FrameType.WELCOME || type == FrameType.REFUSE) {
      inbox.dead(d, "a " + FrameType.name(type) + " frame from a client");
      return;
    }
    if (type == FrameType.CLOSE) {
      departed.merge(clientId, ep, Math::max);
    }
    ServerLogicalConnection c = clients.get(clientId);
    if (c != null && !c.isOpen() && c.refusal == null) {
      // closed here and its session not told yet: the session still holds the client id, and a
      // connection opened now would be refused as "client id in use". Taken again once the
      // session has seen its close (the loop runs tasks in order; the close removes it).
      link.loop.execute(() -> onDelivery(d));
      return;
    }
    if (c != null && ep < c.epoch) {
      // from an earlier connection of this client: its session is gone, its messages are not
      if (type == FrameType.MESSAGE) {
        if (c.isOpen()) {
          c.onMessage(d);
        } else {
          inbox.dead(d, "client '" + clientId + "' was refused: " + c.refusal);
        }
      } else {
        link.ack(d);
      }
      return;
    }
    if (c != null && ep > c.epoch && c.isOpen()) {
      // a newer connection of this client (it reconnected, or restarted under its id): the old one
      // is closed first, and this delivery handled once the old session has seen its close (the
      // loop runs tasks in order), so that the newcomer is not refused as "client id in use".
      // Over AMQP the broker's credentials authenticate; the epoch says which connection is new.
      c.closeWith(
          new ConnectionLostException("replaced by a newer connection of client '" + clientId + "'"));
      link.loop.execute(() -> onDelivery(d));
      return;
    }
    if (c == null || ep > c.epoch) {
      if (!opens) {
        link.ack(d); // nothing open to cancel, close or answer
        return;
      }
      // the client id was read from this HELLO: it is well-formed as far as the transport looks
      int h = Wire.introLength(d.body);
      byte[] hello =
          type == FrameType.HELLO
              ? java.util.Arrays.copyOf(d.body, d.len)
              : h == 0 ? null : Wire.introHello(d.body, Wire.introOffset(d.body), h);
      if (hello == null) {
        inbox.dead(d, "no valid HELLO in the trailer to take the client on");
        return;
      }
      Long gone = departed.get(clientId);
      if (gone != null && ep <= gone) {
        leftBehind(clientId, ep, hello, d, type);
        return;
      }
      c = open(clientId, ep, hello, type == FrameType.HELLO);
      if (type == FrameType.HELLO) {
        link.ack(d);
        return;
      }
    }
    if (!c.isOpen()) {
      if (closing) {
        return; // left unacknowledged for another process
      }
      String refusal = c.refusal;
      if (refusal != null && Wire.opensCall(type)) {
        inbox.dead(d, "client '" + clientId + "' was refused: " + refusal);
      } else if (Wire.opensCall(type)) {
        // no session could be set up for it (logged): never dropped unhandled; given back once,
        // then dead-lettered
        inbox.failed(d, noConnection(clientId));
      } else {
        link.ack(d);
      }
      return;
    }
    c.lastSeenNanos = System.nanoTime();
    switch (type) {
      case FrameType.HELLO -> {
        link.ack(d);
        c.answerHello();
      }
      case FrameType.REQUEST -> c.onRequest(d);
      case FrameType.REQUEST_STREAM, FrameType.REQUEST_CHANNEL -> c.onStream(d);
      case FrameType.MESSAGE -> c.onMessage(d);
      case FrameType.RESPONSE, FrameType.ERROR -> {
        if (inbox.admit(d)) {
          c.deliver(d);
          inbox.done(d);
        }
      }
      case FrameType.CANCEL -> {
        link.ack(d);
        c.onCancel(d);
      }
      default -> {
        link.ack(d);
        c.deliver(d); // CLOSE
      }
    }
  }

  /** The introduction (or HELLO frame) the last client id was read from, and that id. */
  private byte @Nullable [] lastIntro;

  private boolean lastWasFrame;
  private @Nullable String lastClientId;

  /**
   * The client id of what a client sent: from the introduction in the trailer, or from the frame
   * when it is the HELLO; null when there is none or it is malformed. Not decoded again when the
   * introduction is the one of the delivery before (as it is while one client sends).
   */
  private @Nullable String clientId(byte[] body, int len) {
    int h = Wire.introLength(body);
    boolean frame = h == 0;
    int off = frame ? 0 : Wire.introOffset(body);
    int n = frame ? len : h;
    byte[] last = lastIntro;
    if (last != null
        && lastWasFrame == frame
        && java.util.Arrays.equals(body, off, off + n, last, 0, last.length)) {
      return lastClientId;
    }
    String id;
    if (frame) {
      id = Wire.helloClientId(body, off, n);
    } else {
      byte[] hello = Wire.introHello(body, off, n);
      id = hello == null ? null : Wire.helloClientId(hello);
    }
    if (id != null) {
      lastIntro = java.util.Arrays.copyOfRange(body, off, off + n);
      lastWasFrame = frame;
      lastClientId = id;
    }
    return id;
  }

  private ServerLogicalConnection open(String clientId, long ep, byte[] hello, boolean announce) {
    ServerLogicalConnection c = new ServerLogicalConnection(this, clientId, ep, announce);
    clients.put(clientId, c);
    open.add(c);
    try {
      c.listener = handler.onConnection(c);
    } catch (RuntimeException e) {
      log.warn("setting up the connection of client {} failed", clientId, e);
      c.closeWith(e);
      return c;
    }
    // the session authenticates and answers (WELCOME or REFUSE) right here
    c.deliver(hello);
    return c;
  }

  /**
   * Something a client sent before it left, reaching this process after its CLOSE (the address
   * queue and this process's queue are consumed side by side). A message is handled on a
   * connection that is closed again at once, so the client is never listed as connected (a
   * request written to it meanwhile fails at once); a request, a HELLO repeat or a cancel is
   * dropped: its requester's session is gone.
   */
  private void leftBehind(String clientId, long ep, byte[] hello, Delivery d, int type) {
    if (type != FrameType.MESSAGE) {
      link.ack(d);
      return;
    }
    ServerLogicalConnection c = open(clientId, ep, hello, false);
    if (c.isOpen()) {
      c.onMessage(d);
      c.closeWith(new ConnectionLostException("client '" + clientId + "' has left"));
    } else if (c.refusal != null) {
      inbox.dead(d, "client '" + clientId + "' cannot be taken on: " + c.refusal);
    } else {
      inbox.failed(d, noConnection(clientId));
    }
  }

  private static ConnectionLostException noConnection(String clientId) {
    return new ConnectionLostException(
        "no connection could be set up for client '" + clientId + "'");
  }

  /** Loop: a connection closed. */
  void closed(ServerLogicalConnection c) {
    open.remove(c);
    if (c.refusal == null && clients.get(c.clientId) == c) {
      clients.remove(c.clientId);
    }
  }

  @Override
  public void onReturn(Out o, String reason) {
    for (ServerLogicalConnection c : new ArrayList<>(open)) {
      if (c.clientQueue.equals(o.routingKey)) {
        departed.merge(c.clientId, c.epoch, Math::max);
        c.closeWith(
            new ConnectionLostException(
                "client '" + c.clientId + "' is gone for good: its queue no longer exists"));
      }
    }
  }

  @Override
  public void onUp() {
    long now = System.nanoTime();
    for (ServerLogicalConnection c : open) {
      c.lastSeenNanos = now;
    }
  }

  @Override
  public void onDown(Throwable cause) {}

  @Override
  public void onWritable() {
    for (ServerLogicalConnection c : new ArrayList<>(open)) {
      c.onWritable();
    }
  }

  private void tick() {
    if (closing) {
      return;
    }
    if (!link.isUp()) {
      // clients cannot be heard while this process is cut off: their liveness waits for the link
      for (ServerLogicalConnection c : new ArrayList<>(open)) {
        c.alive();
      }
      return;
    }
    long now = System.nanoTime();
    for (ServerLogicalConnection c : new ArrayList<>(open)) {
      long silent = now - c.lastSeenNanos;
      if (silent > livenessNanos) {
        c.closeWith(
            new ConnectionLostException(
                "client '" + c.clientId + "' silent for " + TimeUnit.NANOSECONDS.toMillis(silent)
                    + " ms (liveness " + connector.liveness().toMillis() + " ms)"));
      } else {
        c.alive();
      }
    }
    // refused ones only: a closed connection leaves the map itself once its session saw the close
    // (until then the client id is held, and what the client sends waits; see onDelivery)
    clients.values().removeIf(c -> c.refusal != null && now - c.lastSeenNanos > livenessNanos);
  }

  @Override
  public String toString() {
    return "AmqpTransportServer[" + connector.describe() + ", " + processQueue + "]";
  }
}
