package io.communica.core.frame;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The fixed header of a frame, read from a buffer that holds one frame without length prefix,
 * starting at its reader index:
 *
 * <pre>
 *  0  u8  protocol version ({@value #VERSION})
 *  1  u8  frame type ({@link FrameType})
 *  2  u8  flags
 *  3  u8  content type of the payload (the serializer's id; 0 when there is none)
 *  4  u32 request id (0 when the frame belongs to no request)
 *  8  u16 error kind (ERROR, REFUSE and CLOSE frames; 0 otherwise)
 * 10  u16 route length R
 * 12  R bytes of route, UTF-8
 * 12+R payload
 * </pre>
 *
 * All integers are big-endian. The accessors do not check the version or the lengths: a session
 * checks those once per frame.
 *
 * @since 0.2
 */
public final class FrameHeader {

  /** The protocol version this implementation speaks. */
  public static final int VERSION = 2;

  /** Size of the fixed header. */
  public static final int SIZE = 12;

  public static final int OFF_VERSION = 0;
  public static final int OFF_TYPE = 1;
  public static final int OFF_FLAGS = 2;
  public static final int OFF_CONTENT = 3;
  public static final int OFF_ID = 4;
  public static final int OFF_ERROR = 8;
  public static final int OFF_ROUTE_LEN = 10;

  /** More fragments of this message follow. */
  public static final int FLAG_FOLLOWS = 0x01;

  /** The message carries no value (null, or a reply that completed empty). */
  public static final int FLAG_EMPTY = 0x02;

  /** This frame continues a message whose first fragment came earlier (no route, no EMPTY). */
  public static final int FLAG_CONTINUED = 0x04;

  /**
   * A REQUEST or MESSAGE whose payload section starts with a metadata section (u16 length, then
   * pairs of u16-length-prefixed UTF-8 key and value); see {@code docs/PROTOCOL.md}. Set only
   * when the connection has capability {@link Capabilities#REQUEST_METADATA}.
   */
  public static final int FLAG_METADATA = 0x08;

  /**
   * On NEXT, COMPLETE, REQUEST_N and CANCEL frames: the frame comes from the responder of its
   * stream, so it concerns a stream the receiver opened; without it, from the stream's requester.
   * Kept on every fragment of a NEXT. (Stream ids of the two directions are independent, like
   * request ids.)
   *
   * @since 0.2
   */
  public static final int FLAG_RESPONDER = 0x10;

  /** Largest metadata section, not counting its u16 length field: 8 KiB. */
  public static final int MAX_METADATA_BYTES = 8192;

  /**
   * Smallest maximum frame size a peer may announce (counted with a stream transport's length
   * prefix): large enough for any header and route.
   */
  public static final int MIN_FRAME_SIZE = 4096;

  /** Longest route in UTF-8 bytes, so that a route always fits the first fragment. */
  public static final int MAX_ROUTE_BYTES = 1024;

  private FrameHeader() {}

  /**
   * Writes a fixed header; the caller appends {@code routeLength} bytes of route and the payload.
   * Two writes (a long and an int): every write to a buffer checks its state.
   */
  public static void write(
      ByteBuf out, int type, int flags, int contentType, int id, int errorKind, int routeLength) {
    out.writeLong(
        (long) VERSION << 56
            | (long) type << 48
            | (long) flags << 40
            | (long) contentType << 32
            | (id & 0xffffffffL));
    out.writeInt((errorKind & 0xffff) << 16 | routeLength);
  }

  public static int version(ByteBuf frame) {
    return frame.getUnsignedByte(frame.readerIndex() + OFF_VERSION);
  }

  public static int type(ByteBuf frame) {
    return frame.getUnsignedByte(frame.readerIndex() + OFF_TYPE);
  }

  public static int flags(ByteBuf frame) {
    return frame.getUnsignedByte(frame.readerIndex() + OFF_FLAGS);
  }

  public static int contentType(ByteBuf frame) {
    return frame.getUnsignedByte(frame.readerIndex() + OFF_CONTENT);
  }

  public static int id(ByteBuf frame) {
    return frame.getInt(frame.readerIndex() + OFF_ID);
  }

  public static int errorKind(ByteBuf frame) {
    return frame.getUnsignedShort(frame.readerIndex() + OFF_ERROR);
  }

  public static int routeLength(ByteBuf frame) {
    return frame.getUnsignedShort(frame.readerIndex() + OFF_ROUTE_LEN);
  }

  /** The route, decoded; empty when the frame has none. */
  public static String route(ByteBuf frame) {
    int len = routeLength(frame);
    return len == 0 ? "" : frame.toString(frame.readerIndex() + SIZE, len, StandardCharsets.UTF_8);
  }

  /** Where the payload starts, relative to the reader index. */
  public static int payloadOffset(ByteBuf frame) {
    return SIZE + routeLength(frame);
  }

  /** Size of the payload of this frame. */
  public static int payloadLength(ByteBuf frame) {
    return frame.readableBytes() - payloadOffset(frame);
  }
}
