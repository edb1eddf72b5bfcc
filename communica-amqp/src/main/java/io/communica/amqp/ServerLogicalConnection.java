package io.communica.amqp;

import io.communica.amqp.BrokerLink.Delivery;
import io.communica.amqp.BrokerLink.Out;
import io.communica.core.ConnectionLostException;
import io.communica.core.frame.ControlFrames;
import io.communica.core.frame.FrameType;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.FrameListener;
import io.communica.core.transport.WriteListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.collection.IntObjectHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A server process's logical connection with one client (one epoch of one client id). Requests
 * of the client are acknowledged when their reply is confirmed by the broker, messages when
 * their handler finished; what the session writes goes to the client's queue.
 */
final class ServerLogicalConnection extends LogicalConnection {

  private final AmqpTransportServer transport;
  final String clientId;
  final long epoch;
  final String clientQueue;
  private final boolean announce;

  // loop-confined
  private @Nullable Throwable closeCause;
  @Nullable String refusal;
  long lastSeenNanos = System.nanoTime();
  /** Deliveries of the client's requests in progress, by request id. */
  private final IntObjectHashMap<Delivery> requests = new IntObjectHashMap<>();

  ServerLogicalConnection(AmqpTransportServer transport, String clientId, long epoch, boolean announce) {
    super(transport.link, transport.inbox);
    this.transport = transport;
    this.clientId = clientId;
    this.epoch = epoch;
    this.clientQueue = transport.names.clientQueue(clientId);
    this.announce = announce;
  }

  boolean isOpen() {
    return !closed;
  }

  // ---------------------------------------------------------------- inbound

  void onRequest(Delivery d) {
    if (transport.inbox.admit(d)) {
      requests.put(Wire.id(d.body), d);
      deliver(d);
    }
  }

  /**
   * A stream or channel opened by the client: acknowledged once handed to the session, so that a
   * stream is served at most once (a process that dies mid-stream does not make another one start
   * it again and repeat its items).
   */
  void onStream(Delivery d) {
    if (transport.inbox.admit(d)) {
      deliver(d);
      transport.inbox.done(d);
    }
  }

  void onMessage(Delivery d) {
    if (!transport.inbox.admit(d)) {
      return;
    }
    if (!d.batch) {
      Wire.setId(d.body, transport.inbox.token(d, this));
      deliver(d);
      return;
    }
    // a batch: its messages in order, as one read burst
    AmqpCounters.batchTaken();
    int count = Wire.batchCount(d.body, d.len);
    d.parts = new Inbox.Batch(count);
    int i = 0;
    try {
      for (int at = 0; i < count; i++) {
        int n = Wire.batchFrameLength(d.body, d.len, i);
        if (transport.inbox.partDone(d, i)) {
          // handled already: the batch was given back whole after this process handled it
        } else if (closed) {
          transport.inbox.released(d, i); // closed by a message before it: back to the queue
        } else {
          Wire.setId(d.body, at, transport.inbox.token(d, i, this));
          deliverPart(d.body, at, n);
        }
        at += n;
      }
    } finally {
      // the session threw: what it was not handed goes back to the queue, so the batch settles
      for (i++; i < count; i++) {
        transport.inbox.released(d, i);
      }
    }
    readComplete();
  }

  void onCancel(Delivery d) {
    Delivery request = requests.remove(Wire.id(d.body));
    if (request != null) {
      transport.inbox.done(request); // the requester gave up: nobody needs it again
    }
    deliver(d);
  }

  void answerHello() {
    byte[] w = transport.welcome;
    if (w != null) {
      publish(w, w.length, CONTROL, null, null); // sealed into a copy
    }
  }

  void onWritable() {
    writable();
  }

  // ---------------------------------------------------------------- outbound

  @Override
  int trailerRoom(int type) {
    return Wire.TRAILER;
  }

  @Override
  void route(int type, byte[] body, int len, ByteBuf frame, @Nullable WriteListener l) {
    if (type == FrameType.REFUSE) {
      refusal = ControlFrames.text(frame);
    }
    switch (type) {
      case FrameType.WELCOME -> {
        Wire.patchLimits(body, len);
        transport.welcome = java.util.Arrays.copyOf(body, len);
        if (announce) {
          publish(body, len, CONTROL, null, null);
        }
      }
      case FrameType.REFUSE -> {
        if (!transport.closing) {
          publish(body, len, CONTROL, null, null);
        }
      }
      case FrameType.CANCEL -> publish(body, len, CONTROL, null, null);
      case FrameType.RESPONSE, FrameType.ERROR -> {
        Delivery request = requests.remove(Wire.id(body));
        String replyTo = request == null ? null : request.props.getReplyTo();
        // a client with replies=direct names its direct reply-to: not mandatory, because a reply
        // to a connection that dropped is lost by design, and the client is not gone for that
        boolean direct = replyTo != null && replyTo.startsWith(BrokerLink.DIRECT_REPLY_TO);
        // the request is acknowledged when the broker confirmed the reply (by the link, where the
        // confirm is read)
        publish(body, len, REPLY, direct ? replyTo : clientQueue, null, null, request);
      }
      case FrameType.REQUEST, FrameType.REQUEST_STREAM, FrameType.REQUEST_CHANNEL,
          FrameType.NEXT, FrameType.COMPLETE, FrameType.REQUEST_N ->
          publish(body, len, TRANSIENT, l, null);
      case FrameType.MESSAGE -> publish(body, len, PERSISTENT, l, null);
      default -> {
        // CLOSE: a server process going away does not close the client's connection to the
        // address (others may serve it); PONG: pings are answered by the transports
      }
    }
  }

  /** How long handlers of messages a closed connection received may still report. */
  static final long RELEASE_GRACE_MS = 60_000;

  private static final int PERSISTENT = 0;
  private static final int TRANSIENT = 1;
  private static final int CONTROL = 2;
  /** A reply: transient, without reply-to (the client does not answer a reply). */
  private static final int REPLY = 3;

  private void publish(
      byte[] body, int len, int kind, @Nullable WriteListener l, @Nullable Runnable afterConfirm) {
    publish(body, len, kind, clientQueue, l, afterConfirm, null);
  }

  private void publish(
      byte[] body,
      int len,
      int kind,
      String to,
      @Nullable WriteListener l,
      @Nullable Runnable afterConfirm,
      @Nullable Delivery settles) {
    transport.link.publish(
        new Out(
            "",
            to,
            to == clientQueue,
            switch (kind) {
              case PERSISTENT -> transport.persistentProps;
              case CONTROL -> transport.controlProps;
              case REPLY -> Wire.REPLY;
              default -> transport.transientProps;
            },
            Wire.seal(body, len, transport.ids.next(), epoch, null),
            l,
            afterConfirm,
            settles == null ? null : transport.inbox,
            settles));
  }

  void closeWith(Throwable cause) {
    if (closeCause == null) {
      closeCause = cause;
    }
    close();
  }

  @Override
  public void close() {
    if (!inLoop()) {
      execute(this::close);
      return;
    }
    if (closed) {
      return;
    }
    closed = true;
    if (!transport.closing) {
      // the requester's session is gone or replaced: nobody waits for these replies. (When this
      // process is closing they stay unacknowledged and go back to the address queue.)
      for (Delivery d : requests.values()) {
        transport.inbox.done(d);
      }
    }
    requests.clear();
    inbox.releaseLater(this, RELEASE_GRACE_MS);
    Throwable cause = closeCause;
    execute(
        () -> {
          try {
            FrameListener l = listener;
            if (l != null) {
              l.onClosed(cause);
            }
          } finally {
            // only now: until its session has seen the close it holds the client id, and the
            // transport holds back what the client sends meanwhile (AmqpTransportServer.onDelivery)
            transport.closed(this);
          }
        });
  }

  @Override
  String describe() {
    return clientQueue;
  }

  @Override
  public String toString() {
    return "ServerLogicalConnection[" + clientQueue + ", epoch " + epoch + "]";
  }
}
