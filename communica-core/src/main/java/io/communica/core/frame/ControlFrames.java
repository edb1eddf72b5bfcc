package io.communica.core.frame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;

/**
 * Builders for the frames that carry no message: REFUSE, CLOSE, PING, PONG, CANCEL, COMPLETE and REQUEST_N, and the
 * reader of the text REFUSE and CLOSE carry. Frames are built without length prefix.
 *
 * @since 0.2
 */
public final class ControlFrames {

  /** Longest reason text sent; longer ones are cut. */
  public static final int MAX_TEXT = 4096;

  private ControlFrames() {}

  /** A frame without route or payload. */
  public static ByteBuf empty(ByteBufAllocator alloc, int type, int id) {
    ByteBuf buf = alloc.ioBuffer(FrameHeader.SIZE);
    FrameHeader.write(buf, type, 0, 0, id, 0, 0);
    return buf;
  }

  public static ByteBuf ping(ByteBufAllocator alloc) {
    return empty(alloc, FrameType.PING, 0);
  }

  public static ByteBuf pong(ByteBufAllocator alloc) {
    return empty(alloc, FrameType.PONG, 0);
  }

  /** The requester no longer waits for request {@code id}. */
  public static ByteBuf cancel(ByteBufAllocator alloc, int id) {
    return empty(alloc, FrameType.CANCEL, id);
  }

  /**
   * Stream frames without a value: COMPLETE or CANCEL of stream {@code id}, with flag {@link
   * FrameHeader#FLAG_RESPONDER} when {@code fromResponder}.
   */
  public static ByteBuf streamSignal(ByteBufAllocator alloc, int type, int id, boolean fromResponder) {
    ByteBuf buf = alloc.ioBuffer(FrameHeader.SIZE);
    FrameHeader.write(buf, type, fromResponder ? FrameHeader.FLAG_RESPONDER : 0, 0, id, 0, 0);
    return buf;
  }

  /** REQUEST_N: {@code n} (1 to 2^31-1) more items of stream {@code id}. */
  public static ByteBuf requestN(ByteBufAllocator alloc, int id, int n, boolean fromResponder) {
    ByteBuf buf = alloc.ioBuffer(FrameHeader.SIZE + 4);
    FrameHeader.write(
        buf, FrameType.REQUEST_N, fromResponder ? FrameHeader.FLAG_RESPONDER : 0, 0, id, 0, 0);
    buf.writeInt(n);
    return buf;
  }

  /** Refuses a handshake; {@code reason} is an {@link ErrorKind} REFUSE_ code. */
  public static ByteBuf refuse(ByteBufAllocator alloc, int reason, String text) {
    return text(alloc, FrameType.REFUSE, reason, text);
  }

  /** Closes a connection; {@code code} is an {@link ErrorKind} CLOSE_ code. */
  public static ByteBuf close(ByteBufAllocator alloc, int code, String text) {
    return text(alloc, FrameType.CLOSE, code, text);
  }

  private static ByteBuf text(ByteBufAllocator alloc, int type, int code, String text) {
    String t = truncate(text, MAX_TEXT);
    ByteBuf buf = alloc.ioBuffer(FrameHeader.SIZE + t.length());
    FrameHeader.write(buf, type, 0, 0, 0, code, 0);
    ByteBufUtil.writeUtf8(buf, t);
    return buf;
  }

  /** The text of a REFUSE or CLOSE frame (its payload). */
  public static String text(ByteBuf frame) {
    int start = Math.min(FrameHeader.payloadOffset(frame), frame.readableBytes());
    return frame.toString(
        frame.readerIndex() + start, frame.readableBytes() - start, StandardCharsets.UTF_8);
  }

  /** {@code s}, cut to {@code max} characters with "..." appended when longer. */
  public static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "...";
  }
}
