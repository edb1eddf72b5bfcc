package io.communica.amqp;

import com.rabbitmq.client.AMQP;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * How frames travel as AMQP messages. The body is the frame as it crosses the {@code
 * FrameConnection}, without length prefix (the message has its own length). Properties: {@code app-id}
 * {@value #APP_ID} marks communica's publishers, {@code message-id} is unique per publish (for
 * recognising redeliveries), {@code reply-to} names the sending server process's queue, and
 * headers carry the client id, the epoch of the client's logical connection and, on what a
 * client sends, its HELLO frame, so that any server process can take the client on.
 */
final class Wire {

  static final String APP_ID = "communica";
  static final String H_CLIENT = "communica-client";
  static final String H_EPOCH = "communica-epoch";
  static final String H_HELLO = "communica-hello";

  // offsets in a body (a frame)
  static final int B_TYPE = FrameHeader.OFF_TYPE;
  static final int B_ID = FrameHeader.OFF_ID;
  static final int B_ROUTE_LEN = FrameHeader.OFF_ROUTE_LEN;
  static final int B_HEADER = FrameHeader.SIZE;

  private Wire() {}

  /** The body of a frame; the frame is left to the caller. */
  static byte[] body(ByteBuf frame) {
    return ByteBufUtil.getBytes(frame, frame.readerIndex(), frame.readableBytes(), false);
  }

  /** The frame of a body, without a copy. */
  static ByteBuf frame(byte[] body) {
    return Unpooled.wrappedBuffer(body);
  }

  static int type(byte[] body) {
    return body[B_TYPE] & 0xff;
  }

  /** Whether a stream frame comes from its stream's responder (flag RESPONDER). */
  static boolean fromResponder(byte[] body) {
    return (body[FrameHeader.OFF_FLAGS] & FrameHeader.FLAG_RESPONDER) != 0;
  }

  /** Whether the frame type opens a call at a server: a request, message, stream or channel. */
  static boolean opensCall(int type) {
    return type == FrameType.REQUEST
        || type == FrameType.MESSAGE
        || type == FrameType.REQUEST_STREAM
        || type == FrameType.REQUEST_CHANNEL;
  }

  static int id(byte[] body) {
    return (body[B_ID] & 0xff) << 24
        | (body[B_ID + 1] & 0xff) << 16
        | (body[B_ID + 2] & 0xff) << 8
        | (body[B_ID + 3] & 0xff);
  }

  static void setId(byte[] body, int id) {
    setInt(body, B_ID, id);
  }

  private static void setInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }

  private static int getInt(byte[] b, int at) {
    return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
  }

  /**
   * Adjusts the limits a HELLO or WELCOME announces: messages at most what fits an AMQP body
   * ({@link AmqpConnector#MAX_BODY}), and frames unlimited, because each message travels whole in
   * one AMQP message: fragments could be taken by different server processes.
   */
  static void patchLimits(byte[] body) {
    if (body.length < B_HEADER + 8) {
      return;
    }
    int max = getInt(body, B_HEADER);
    int cap = AmqpConnector.MAX_BODY - B_HEADER - FrameHeader.MAX_ROUTE_BYTES;
    if (max > cap) {
      setInt(body, B_HEADER, cap);
    }
    setInt(body, B_HEADER + 4, Integer.MAX_VALUE);
  }

  /** The client id of a HELLO body, or null when the body is not a well-formed HELLO. */
  static @Nullable String helloClientId(byte[] hello) {
    int at = B_HEADER + 12;
    if (hello.length < at + 2 || type(hello) != FrameType.HELLO || routeLength(hello) != 0) {
      return null;
    }
    int len = (hello[at] & 0xff) << 8 | (hello[at + 1] & 0xff);
    if (len == 0 || len > 256 || at + 2 + len > hello.length) {
      return null;
    }
    return new String(hello, at + 2, len, java.nio.charset.StandardCharsets.UTF_8);
  }

  static int routeLength(byte[] body) {
    return (body[B_ROUTE_LEN] & 0xff) << 8 | (body[B_ROUTE_LEN + 1] & 0xff);
  }

  /**
   * Why a delivery cannot be a communica frame (it is then dead-lettered), or null. Checks the
   * publisher mark, the message id and the frame header; the session checks the rest.
   */
  static @Nullable String malformed(AMQP.BasicProperties p, byte[] body) {
    if (!APP_ID.equals(p.getAppId())) {
      return "not from a communica publisher (app-id "
          + (p.getAppId() == null ? "missing" : "'" + p.getAppId() + "'") + ")";
    }
    if (p.getMessageId() == null) {
      return "no message-id";
    }
    if (body.length < B_HEADER) {
      return "body of " + body.length + " bytes is shorter than a frame header";
    }
    if (body.length > AmqpConnector.MAX_BODY) {
      return "body of " + body.length + " bytes is larger than " + AmqpConnector.MAX_BODY;
    }
    if ((body[0] & 0xff) != FrameHeader.VERSION) {
      return "frame of protocol version " + (body[0] & 0xff) + ", expected " + FrameHeader.VERSION;
    }
    int type = type(body);
    switch (type) {
      case FrameType.HELLO, FrameType.WELCOME, FrameType.REFUSE, FrameType.REQUEST, FrameType.MESSAGE,
          FrameType.RESPONSE, FrameType.ERROR, FrameType.CANCEL, FrameType.CLOSE,
          FrameType.REQUEST_STREAM, FrameType.REQUEST_CHANNEL, FrameType.NEXT, FrameType.COMPLETE,
          FrameType.REQUEST_N -> {}
      default -> {
        return "unexpected frame type " + FrameType.name(type);
      }
    }
    int routeLen = routeLength(body);
    if (B_HEADER + routeLen > body.length) {
      return "route length " + routeLen + " runs past the end of the frame";
    }
    if (epoch(p) == null) {
      return "no " + H_EPOCH + " header";
    }
    return null;
  }

  static @Nullable Long epoch(AMQP.BasicProperties p) {
    Map<String, Object> h = p.getHeaders();
    return h != null && h.get(H_EPOCH) instanceof Long l ? l : null;
  }

  static @Nullable String clientId(AMQP.BasicProperties p) {
    Map<String, Object> h = p.getHeaders();
    Object v = h == null ? null : h.get(H_CLIENT);
    // strings arrive as amqp-client's LongString
    return v == null ? null : v.toString();
  }

  static byte @Nullable [] hello(AMQP.BasicProperties p) {
    Map<String, Object> h = p.getHeaders();
    return h != null && h.get(H_HELLO) instanceof byte[] b ? b : null;
  }

  /**
   * Properties of a frame that must survive a broker restart (delivery mode 2): fire-and-forget
   * messages. Requests and replies are transient: they wait in durable queues through lost
   * connections and restarted peers, but a request lives only as long as its timeout, and making
   * them persistent would cost a disk write per request and per reply.
   */
  static AMQP.BasicProperties persistent(
      String messageId, Map<String, Object> headers, @Nullable String replyTo) {
    return new AMQP.BasicProperties.Builder()
        .appId(APP_ID)
        .messageId(messageId)
        .deliveryMode(2)
        .headers(headers)
        .replyTo(replyTo)
        .build();
  }

  /**
   * Transient properties (delivery mode 1): requests, replies, and control frames (handshake,
   * liveness, cancel, close), which also expire so that they never pile up in the queue of a
   * peer that is gone.
   */
  static AMQP.BasicProperties transientProps(
      String messageId,
      Map<String, Object> headers,
      @Nullable String replyTo,
      @Nullable String expiration) {
    return new AMQP.BasicProperties.Builder()
        .appId(APP_ID)
        .messageId(messageId)
        .deliveryMode(1)
        .headers(headers)
        .replyTo(replyTo)
        .expiration(expiration)
        .build();
  }

  /** Message ids of one publisher: a random prefix and a counter. Loop confined. */
  static final class MessageIds {
    private final String prefix =
        Long.toString(java.util.concurrent.ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36)
            + ".";
    private long next;

    String next() {
      return prefix + Long.toString(++next, 36);
    }
  }
}
