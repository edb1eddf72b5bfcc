package io.communica.core.internal;

import io.communica.core.Serializer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * The frame format (docs/PROTOCOL.md). Every frame is:
 *
 * <pre>
 *  0  u32 length of the rest of the frame (header from offset 4 + route + payload)
 *  4  u8  protocol version (1)
 *  5  u8  frame type
 *  6  u8  flags
 *  7  u8  content type of the payload (the serializer's id; 0 when there is no payload)
 *  8  u32 request id (0 when the frame belongs to no request)
 * 12  u16 error kind (ERROR and REFUSE frames; 0 otherwise)
 * 14  u16 route length R
 * 16  R bytes of route, UTF-8
 * 16+R payload
 * </pre>
 *
 * All integers are big-endian.
 */
public final class Frames {

  public static final int VERSION = 1;

  /** Bytes before the route: length prefix and fixed header. */
  public static final int HEADER = 16;

  /** Smallest value of the length field: the fixed header after the prefix. */
  public static final int MIN_LENGTH = HEADER - 4;

  public static final int OFF_VERSION = 4;
  public static final int OFF_TYPE = 5;
  public static final int OFF_FLAGS = 6;
  public static final int OFF_CONTENT = 7;
  public static final int OFF_ID = 8;
  public static final int OFF_ERROR = 12;
  public static final int OFF_ROUTE_LEN = 14;

  // frame types
  public static final int HELLO = 0x01;
  public static final int WELCOME = 0x02;
  public static final int REFUSE = 0x03;
  public static final int REQUEST = 0x10;
  public static final int MESSAGE = 0x11;
  public static final int RESPONSE = 0x12;
  public static final int ERROR = 0x13;
  public static final int CANCEL = 0x14;
  public static final int CONTINUATION = 0x15;
  public static final int PING = 0x20;
  public static final int PONG = 0x21;
  public static final int CLOSE = 0x30;

  // flags
  /** More fragments of this message follow in CONTINUATION frames. */
  public static final int FLAG_FOLLOWS = 0x01;

  /** The message carries no value (null, or a reply that completed empty). */
  public static final int FLAG_EMPTY = 0x02;

  private Frames() {}

  /** Name of a content type for error messages: communica's own ids by name, others by number. */
  public static String contentTypeName(int contentType) {
    String name =
        switch (contentType) {
          case 1 -> "utf8";
          case 2 -> "json";
          case 3 -> "msgpack";
          case 4 -> "cbor";
          case 5 -> "fixed-layout";
          default -> "an application format";
        };
    return name + " (content type " + contentType + ")";
  }

  public static String typeName(int type) {
    return switch (type) {
      case HELLO -> "HELLO";
      case WELCOME -> "WELCOME";
      case REFUSE -> "REFUSE";
      case REQUEST -> "REQUEST";
      case MESSAGE -> "MESSAGE";
      case RESPONSE -> "RESPONSE";
      case ERROR -> "ERROR";
      case CANCEL -> "CANCEL";
      case CONTINUATION -> "CONTINUATION";
      case PING -> "PING";
      case PONG -> "PONG";
      case CLOSE -> "CLOSE";
      default -> "0x" + Integer.toHexString(type);
    };
  }

  /**
   * Starts a frame: writes the length placeholder, the fixed header and the route. The caller
   * appends the payload and calls {@link #finish}. The header goes in as two longs: every write to
   * a buffer checks its state, and eight small writes cost eight checks.
   */
  public static ByteBuf begin(
      ByteBufAllocator alloc,
      int type,
      int flags,
      int contentType,
      int id,
      int error,
      byte[] route,
      int payloadHint) {
    ByteBuf buf = alloc.ioBuffer(HEADER + route.length + payloadHint);
    buf.writeLong((long) VERSION << 24 | (long) type << 16 | (long) flags << 8 | contentType);
    buf.writeLong((long) id << 32 | (long) (error & 0xffff) << 16 | route.length);
    if (route.length > 0) {
      buf.writeBytes(route);
    }
    return buf;
  }

  /** Writes the length field of a frame whose bytes are complete. */
  public static ByteBuf finish(ByteBuf frame) {
    frame.setInt(frame.readerIndex(), frame.readableBytes() - 4);
    return frame;
  }

  /** A frame without route or payload. */
  public static ByteBuf control(ByteBufAllocator alloc, int type, int id) {
    return finish(begin(alloc, type, 0, 0, id, 0, RouteIndex.NONE, 0));
  }

  /** A frame whose payload is UTF-8 text (CLOSE and REFUSE reasons). */
  public static ByteBuf text(ByteBufAllocator alloc, int type, int error, String text) {
    ByteBuf buf = begin(alloc, type, 0, 0, 0, error, RouteIndex.NONE, text.length());
    ByteBufUtil.writeUtf8(buf, truncate(text, 4096));
    return finish(buf);
  }

  /**
   * Encodes a REQUEST, MESSAGE or RESPONSE frame carrying {@code value}. The payload is encoded
   * straight into the frame buffer.
   *
   * @throws io.communica.core.SerializationException if the serializer fails (the buffer is
   *     released)
   */
  public static ByteBuf message(
      ByteBufAllocator alloc,
      int type,
      int id,
      byte[] route,
      @Nullable Object value,
      Serializer serializer) {
    if (value == null) {
      return finish(begin(alloc, type, FLAG_EMPTY, 0, id, 0, route, 0));
    }
    ByteBuf buf = begin(alloc, type, 0, serializer.contentType(), id, 0, route, 64);
    try {
      serializer.encode(value, buf);
    } catch (Throwable t) {
      buf.release();
      throw t;
    }
    return finish(buf);
  }

  public static int type(ByteBuf frame) {
    return frame.getUnsignedByte(frame.readerIndex() + OFF_TYPE);
  }

  public static int flags(ByteBuf frame) {
    return frame.getUnsignedByte(frame.readerIndex() + OFF_FLAGS);
  }

  public static int id(ByteBuf frame) {
    return frame.getInt(frame.readerIndex() + OFF_ID);
  }

  public static int routeLength(ByteBuf frame) {
    return frame.getUnsignedShort(frame.readerIndex() + OFF_ROUTE_LEN);
  }

  /** Size of the payload of a single (unfragmented) frame. */
  public static int payloadLength(ByteBuf frame) {
    return frame.readableBytes() - HEADER - routeLength(frame);
  }

  public static String route(ByteBuf frame) {
    int len = routeLength(frame);
    return len == 0
        ? ""
        : frame.toString(frame.readerIndex() + HEADER, len, StandardCharsets.UTF_8);
  }

  /** Text payload of CLOSE and REFUSE frames. */
  public static String text(ByteBuf frame) {
    int start = HEADER + routeLength(frame);
    return frame.toString(
        frame.readerIndex() + start, frame.readableBytes() - start, StandardCharsets.UTF_8);
  }

  static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "...";
  }
}
