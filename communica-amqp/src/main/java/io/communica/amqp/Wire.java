package io.communica.amqp;

import com.rabbitmq.client.AMQP;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import org.jspecify.annotations.Nullable;

/**
 * How frames travel as AMQP messages. The body is the frame as it crosses the {@code
 * FrameConnection}, without length prefix (the message has its own length), followed by a trailer:
 *
 * <pre>
 * frame (F bytes) | introduction (H bytes) | message id (u64) | epoch (u64) | H (u16) | wire version (u8, 2)
 * </pre>
 *
 * The message id is unique per publish (a publisher counts up from a random start), for
 * recognising redeliveries and republished messages; the epoch is that of the client's logical
 * connection; the introduction is the client's HELLO, carried by everything a client sends to
 * server processes except the HELLO itself, so that any server process can take the client on;
 * the client id is read from it. What server processes send has none ({@code H = 0}).
 *
 * <p>A client's fire-and-forget messages may travel several to one AMQP message, a <em>batch</em>
 * (wire version {@value #BATCH_VERSION} in the last byte): the MESSAGE frames back to back, their
 * lengths, their count, then the trailer as above:
 *
 * <pre>
 * frames (F bytes) | length of each frame (u32 × N) | N (u16, 2 to {@value #MAX_BATCH}) | introduction | message id | epoch | H | 3
 * </pre>
 *
 * The broker's work is per AMQP message (routing, storing a persistent message, the confirm, the
 * delivery, the acknowledgement): a client that sends faster than the broker confirms puts the
 * messages that wait for a confirm into one body (see {@code ClientLogicalConnection}). Only
 * MESSAGE frames from a client to the address queue are batched; a server process takes a batch
 * whole and acknowledges it when every message in it was handled.
 *
 * <p>The introduction's first byte says how the HELLO follows: {@value #INTRO_HELLO}, the HELLO
 * frame as it is; {@value #INTRO_PACKED}, packed (see {@link #intro}) when its client id is a
 * UUID in canonical form (the id communica generates) and its header and frame limit are the ones
 * every client's HELLO has here. Packed, the 69-byte HELLO of a generated id takes 33 bytes: the
 * broker's CPU per persistent message grows with its size (about 6 µs per 100 bytes, measured in
 * the optimisation log of {@code docs/BENCHMARKS.md}), and the HELLO is most of what the trailer
 * adds.
 *
 * <p>Properties: {@code app-id} {@value #APP_ID} marks communica's publishers, {@code reply-to}
 * names the sending server process's queue; they are the same for every message of a kind, so each
 * publisher builds them once. Wire version 1 carried the HELLO as it is, without the kind byte;
 * before it the message id was the {@code message-id} property and the epoch, client id and HELLO
 * travelled in the headers table, which amqp-client encodes and parses field by field on every
 * message. Every process of an address runs the same wire version.
 */
final class Wire {

  static final String APP_ID = "communica";

  /** The last byte of every body. */
  static final int VERSION = 2;

  /** The last byte of a batch of MESSAGE frames. */
  static final int BATCH_VERSION = 3;

  /** The most frames a batch holds. */
  static final int MAX_BATCH = 64;

  /** The trailer without its introduction: message id, epoch, introduction length, version. */
  static final int TRAILER = 19;

  /** Introduction kinds (its first byte). */
  static final int INTRO_HELLO = 1;

  static final int INTRO_PACKED = 2;

  /** The bytes of a packed introduction before the client id: kind, protocol version, two limits. */
  private static final int PACKED_HEAD = 10;

  private static final int UUID_CHARS = 36;

  // offsets in a body (a frame)
  static final int B_TYPE = FrameHeader.OFF_TYPE;
  static final int B_ID = FrameHeader.OFF_ID;
  static final int B_ROUTE_LEN = FrameHeader.OFF_ROUTE_LEN;
  static final int B_HEADER = FrameHeader.SIZE;

  private Wire() {}

  /** The frame alone as a byte array; the frame is left to the caller. */
  static byte[] body(ByteBuf frame) {
    return ByteBufUtil.getBytes(frame, frame.readerIndex(), frame.readableBytes(), false);
  }

  /**
   * A copy of the frame with {@code room} bytes after it for the trailer ({@link #seal}); the frame
   * is left to the caller.
   */
  static byte[] body(ByteBuf frame, int room) {
    int n = frame.readableBytes();
    byte[] b = new byte[n + room];
    frame.getBytes(frame.readerIndex(), b, 0, n);
    return b;
  }

  /**
   * The body to publish for the frame in the first {@code len} bytes of {@code body}: the trailer
   * written in place when {@code body} has exactly the room for it, else a new array.
   */
  static byte[] seal(byte[] body, int len, long messageId, long epoch, byte @Nullable [] intro) {
    int h = intro == null ? 0 : intro.length;
    byte[] b = body.length == len + h + TRAILER ? body : java.util.Arrays.copyOf(body, len + h + TRAILER);
    int at = len;
    if (h > 0) {
      System.arraycopy(intro, 0, b, at, h);
      at += h;
    }
    setLong(b, at, messageId);
    setLong(b, at + 8, epoch);
    b[at + 16] = (byte) (h >>> 8);
    b[at + 17] = (byte) h;
    b[at + 18] = (byte) VERSION;
    return b;
  }

  /** A sealed copy of a bare frame. */
  static byte[] sealed(byte[] frame, long messageId, long epoch, byte @Nullable [] intro) {
    return seal(frame, frame.length, messageId, epoch, intro);
  }

  /**
   * The length of the frame in a body (of a batch: of its frames together, see {@link
   * #batchFrameLength}), or -1 when the body has no valid trailer.
   */
  static int frameLength(byte[] body) {
    int n = body.length;
    int v = n == 0 ? 0 : body[n - 1] & 0xff;
    if (n < TRAILER + B_HEADER || (v != VERSION && v != BATCH_VERSION)) {
      return -1;
    }
    int h = introLength(body);
    int len = n - TRAILER - h;
    if (v == BATCH_VERSION) {
      if (len < 2) {
        return -1;
      }
      int count = (body[len - 2] & 0xff) << 8 | (body[len - 1] & 0xff);
      if (count < 2 || count > MAX_BATCH) {
        return -1;
      }
      len -= 2 + 4 * count;
    }
    return len >= B_HEADER ? len : -1;
  }

  /** Whether a body is a batch (by its last byte; {@link #frameLength} says whether it is valid). */
  static boolean isBatch(byte[] body) {
    return body.length > 0 && (body[body.length - 1] & 0xff) == BATCH_VERSION;
  }

  /** The number of frames in a valid batch whose frames take {@code len} bytes. */
  static int batchCount(byte[] body, int len) {
    int at = body.length - TRAILER - introLength(body) - 2;
    return (body[at] & 0xff) << 8 | (body[at + 1] & 0xff);
  }

  /** The length of frame {@code i} of a valid batch whose frames take {@code len} bytes. */
  static int batchFrameLength(byte[] body, int len, int i) {
    return getInt(body, len + 4 * i);
  }

  /** Where the introduction of a body with a valid trailer starts. */
  static int introOffset(byte[] body) {
    return body.length - TRAILER - introLength(body);
  }

  /**
   * A batch of the MESSAGE frames in the first {@code lens[i]} bytes of each {@code frames[i]},
   * {@code i < count}, sealed with the trailer.
   */
  static byte[] batch(
      byte[][] frames, int[] lens, int count, long messageId, long epoch, byte @Nullable [] intro) {
    int total = 0;
    for (int i = 0; i < count; i++) {
      total += lens[i];
    }
    int h = intro == null ? 0 : intro.length;
    byte[] b = new byte[total + 4 * count + 2 + h + TRAILER];
    int at = 0;
    for (int i = 0; i < count; i++) {
      System.arraycopy(frames[i], 0, b, at, lens[i]);
      setInt(b, total + 4 * i, lens[i]);
      at += lens[i];
    }
    at = total + 4 * count;
    b[at] = (byte) (count >>> 8);
    b[at + 1] = (byte) count;
    seal(b, at + 2, messageId, epoch, intro);
    b[b.length - 1] = (byte) BATCH_VERSION;
    return b;
  }

  /** The message id of a body with a valid trailer. */
  static long messageId(byte[] body) {
    return getLong(body, body.length - TRAILER);
  }

  /** The epoch of a body with a valid trailer. */
  static long epoch(byte[] body) {
    return getLong(body, body.length - TRAILER + 8);
  }

  /** The length of the introduction in a body's trailer (0: none). */
  static int introLength(byte[] body) {
    int n = body.length;
    return (body[n - 3] & 0xff) << 8 | (body[n - 2] & 0xff);
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

  /** Sets the id of the frame at {@code off}. */
  static void setId(byte[] body, int off, int id) {
    setInt(body, off + B_ID, id);
  }

  private static void setInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }

  private static void setLong(byte[] b, int at, long v) {
    setInt(b, at, (int) (v >>> 32));
    setInt(b, at + 4, (int) v);
  }

  private static long getLong(byte[] b, int at) {
    return (long) getInt(b, at) << 32 | (getInt(b, at + 4) & 0xffffffffL);
  }

  private static int getInt(byte[] b, int at) {
    return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
  }

  /**
   * Adjusts the limits a HELLO or WELCOME announces: messages at most what fits an AMQP body
   * ({@link AmqpConnector#MAX_BODY}), and frames unlimited, because each message travels whole in
   * one AMQP message: fragments could be taken by different server processes.
   */
  static void patchLimits(byte[] body, int len) {
    if (len < B_HEADER + 8) {
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
    return helloClientId(hello, 0, hello.length);
  }

  /** The client id of the HELLO at {@code off} (of {@code n} bytes) in {@code b}, or null. */
  static @Nullable String helloClientId(byte[] b, int off, int n) {
    int at = off + B_HEADER + 12;
    if (n < B_HEADER + 14
        || (b[off + B_TYPE] & 0xff) != FrameType.HELLO
        || ((b[off + B_ROUTE_LEN] & 0xff) << 8 | (b[off + B_ROUTE_LEN + 1] & 0xff)) != 0) {
      return null;
    }
    int len = (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
    if (len == 0 || len > 256 || at + 2 + len > off + n) {
      return null;
    }
    return new String(b, at + 2, len, java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * The introduction a client's messages carry for its HELLO (well-formed, limits patched): packed
   * when it can be,
   *
   * <pre>
   * 2 | protocol version (u8) | maximum message (u32) | keep-alive (u32) | client id (16 bytes) | the rest of the HELLO
   * </pre>
   *
   * where the client id is a canonical UUID's 128 bits and the rest is what follows the id in the
   * HELLO (credentials, capabilities, resume token); else {@value #INTRO_HELLO} and the HELLO.
   */
  static byte[] intro(byte[] hello) {
    int idAt = B_HEADER + 14;
    boolean packable =
        hello.length >= idAt + UUID_CHARS
            && getInt(hello, B_HEADER + 4) == Integer.MAX_VALUE
            && ((hello[idAt - 2] & 0xff) << 8 | (hello[idAt - 1] & 0xff)) == UUID_CHARS
            && isCanonicalUuid(hello, idAt)
            && java.util.Arrays.equals(hello, 1, B_HEADER, helloHeader(hello[0]), 1, B_HEADER);
    if (!packable) {
      byte[] b = new byte[1 + hello.length];
      b[0] = (byte) INTRO_HELLO;
      System.arraycopy(hello, 0, b, 1, hello.length);
      return b;
    }
    int rest = hello.length - idAt - UUID_CHARS;
    byte[] b = new byte[PACKED_HEAD + 16 + rest];
    b[0] = (byte) INTRO_PACKED;
    b[1] = hello[0];
    System.arraycopy(hello, B_HEADER, b, 2, 4); // maximum message
    System.arraycopy(hello, B_HEADER + 8, b, 6, 4); // keep-alive
    for (int i = 0, c = idAt; i < 16; i++) {
      if (c == idAt + 8 || c == idAt + 13 || c == idAt + 18 || c == idAt + 23) {
        c++;
      }
      b[PACKED_HEAD + i] = (byte) (hex(hello[c]) << 4 | hex(hello[c + 1]));
      c += 2;
    }
    System.arraycopy(hello, idAt + UUID_CHARS, b, PACKED_HEAD + 16, rest);
    return b;
  }

  /**
   * The HELLO of the introduction at {@code off} (of {@code n} bytes) in {@code b}, as the client's
   * session wrote it (limits patched), or null when the introduction is malformed; the client id
   * is then read from it by {@link #helloClientId}.
   */
  static byte @Nullable [] introHello(byte[] b, int off, int n) {
    if (n < 1) {
      return null;
    }
    int kind = b[off] & 0xff;
    if (kind == INTRO_HELLO) {
      return java.util.Arrays.copyOfRange(b, off + 1, off + n);
    }
    if (kind != INTRO_PACKED || n < PACKED_HEAD + 16) {
      return null;
    }
    int idAt = B_HEADER + 14;
    int rest = n - PACKED_HEAD - 16;
    byte[] h = new byte[idAt + UUID_CHARS + rest];
    System.arraycopy(helloHeader(b[off + 1]), 0, h, 0, B_HEADER);
    System.arraycopy(b, off + 2, h, B_HEADER, 4);
    setInt(h, B_HEADER + 4, Integer.MAX_VALUE);
    System.arraycopy(b, off + 6, h, B_HEADER + 8, 4);
    h[idAt - 2] = 0;
    h[idAt - 1] = (byte) UUID_CHARS;
    for (int i = 0, c = idAt; i < 16; i++) {
      if (c == idAt + 8 || c == idAt + 13 || c == idAt + 18 || c == idAt + 23) {
        h[c++] = '-';
      }
      int v = b[off + PACKED_HEAD + i] & 0xff;
      h[c++] = HEX[v >>> 4];
      h[c++] = HEX[v & 0xf];
    }
    System.arraycopy(b, off + PACKED_HEAD + 16, h, idAt + UUID_CHARS, rest);
    return h;
  }

  private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /** The header every HELLO has: the given protocol version, type HELLO, the rest zero. */
  private static byte[] helloHeader(byte version) {
    byte[] h = new byte[B_HEADER];
    h[0] = version;
    h[B_TYPE] = (byte) FrameType.HELLO;
    return h;
  }

  /** Whether the 36 bytes at {@code at} are a UUID in canonical form: lower-case hex, four dashes. */
  private static boolean isCanonicalUuid(byte[] b, int at) {
    for (int i = 0; i < UUID_CHARS; i++) {
      byte c = b[at + i];
      boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash ? c != '-' : hex(c) < 0) {
        return false;
      }
    }
    return true;
  }

  /** The value of a lower-case hex digit, or -1. */
  private static int hex(byte c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
  }

  static int routeLength(byte[] body) {
    return (body[B_ROUTE_LEN] & 0xff) << 8 | (body[B_ROUTE_LEN + 1] & 0xff);
  }

  /**
   * Why a delivery cannot be a communica frame (it is then dead-lettered), or null. Checks the
   * publisher mark, the message id and the frame header; the session checks the rest.
   */
  static @Nullable String malformed(AMQP.BasicProperties p, byte[] body, int len) {
    if (!APP_ID.equals(p.getAppId())) {
      return "not from a communica publisher (app-id "
          + (p.getAppId() == null ? "missing" : "'" + p.getAppId() + "'") + ")";
    }
    if (len < 0) {
      return "body of " + body.length + " bytes does not end with a frame and a trailer of wire version "
          + VERSION + ", nor with a batch of 2 to " + MAX_BATCH + " frames and the trailer of wire version "
          + BATCH_VERSION;
    }
    if (body.length > AmqpConnector.MAX_BODY) {
      return "body of " + body.length + " bytes is larger than " + AmqpConnector.MAX_BODY;
    }
    if (isBatch(body)) {
      return malformedBatch(body, len);
    }
    return malformedFrame(body, 0, len);
  }

  /** Why the frames of a batch are not all well-formed MESSAGE frames filling it, or null. */
  private static @Nullable String malformedBatch(byte[] body, int len) {
    int count = batchCount(body, len);
    int at = 0;
    for (int i = 0; i < count; i++) {
      int n = batchFrameLength(body, len, i);
      if (n < B_HEADER || n > len - at) {
        return "frame " + i + " of a batch of " + count + " has length " + n + ", beyond the "
            + (len - at) + " bytes left";
      }
      if ((body[at + B_TYPE] & 0xff) != FrameType.MESSAGE) {
        return "a batch holds a " + FrameType.name(body[at + B_TYPE] & 0xff) + " frame";
      }
      String bad = malformedFrame(body, at, n);
      if (bad != null) {
        return "frame " + i + " of a batch: " + bad;
      }
      at += n;
    }
    return at == len ? null : "the frames of a batch take " + at + " of its " + len + " bytes";
  }

  /** Why the frame of {@code len} bytes at {@code off} is not one, or null. */
  private static @Nullable String malformedFrame(byte[] body, int off, int len) {
    if ((body[off] & 0xff) != FrameHeader.VERSION) {
      return "frame of protocol version " + (body[off] & 0xff) + ", expected " + FrameHeader.VERSION;
    }
    int type = body[off + B_TYPE] & 0xff;
    switch (type) {
      case FrameType.HELLO, FrameType.WELCOME, FrameType.REFUSE, FrameType.REQUEST, FrameType.MESSAGE,
          FrameType.RESPONSE, FrameType.ERROR, FrameType.CANCEL, FrameType.CLOSE,
          FrameType.REQUEST_STREAM, FrameType.REQUEST_CHANNEL, FrameType.NEXT, FrameType.COMPLETE,
          FrameType.REQUEST_N -> {}
      default -> {
        return "unexpected frame type " + FrameType.name(type);
      }
    }
    int routeLen = (body[off + B_ROUTE_LEN] & 0xff) << 8 | (body[off + B_ROUTE_LEN + 1] & 0xff);
    if (B_HEADER + routeLen > len) {
      return "route length " + routeLen + " runs past the end of the frame";
    }
    return null;
  }

  /**
   * Properties of a frame that must survive a broker restart (delivery mode 2): fire-and-forget
   * messages. Requests and replies are transient: they wait in durable queues through lost
   * connections and restarted peers, but a request lives only as long as its timeout, and making
   * them persistent would cost a disk write per request and per reply.
   */
  static AMQP.BasicProperties persistent(@Nullable String replyTo) {
    return new AMQP.BasicProperties.Builder()
        .appId(APP_ID)
        .deliveryMode(2)
        .replyTo(replyTo)
        .build();
  }

  /** The properties of a reply from a server process: transient, no reply-to. */
  static final AMQP.BasicProperties REPLY = transientProps(null, null);

  /**
   * Transient properties (delivery mode 1): requests, replies, and control frames (handshake,
   * liveness, cancel, close), which also expire so that they never pile up in the queue of a
   * peer that is gone.
   */
  static AMQP.BasicProperties transientProps(
      @Nullable String replyTo, @Nullable String expiration) {
    return new AMQP.BasicProperties.Builder()
        .appId(APP_ID)
        .deliveryMode(1)
        .replyTo(replyTo)
        .expiration(expiration)
        .build();
  }

  /**
   * Message ids of one publisher: counting up from a random start, so that the ids of different
   * publishers do not meet (two publishers' ranges overlap only if their random starts lie within
   * the number of messages they send of each other). Loop confined.
   */
  static final class MessageIds {
    private long next = java.util.concurrent.ThreadLocalRandom.current().nextLong();

    long next() {
      return ++next;
    }
  }
}
