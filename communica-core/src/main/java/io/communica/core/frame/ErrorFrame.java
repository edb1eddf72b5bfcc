package io.communica.core.frame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;

/**
 * The fields of an ERROR frame. The header's error field holds the {@link ErrorKind}; the payload
 * is an i32 code, a u16 length and the UTF-8 name of the remote exception type (empty unless
 * {@link ErrorKind#HANDLER_FAILED}), then the UTF-8 message to the end of the frame.
 *
 * @param kind an {@link ErrorKind} ERROR kind
 * @param code the application's code, or a negative code of communica's
 * @param remoteType the exception type the handler threw, or empty
 * @param message what went wrong
 * @since 0.2
 */
public record ErrorFrame(int kind, int code, String remoteType, String message) {

  /** Longest message sent in an ERROR frame; longer ones are cut. */
  public static final int MAX_MESSAGE = 8192;

  /** Encodes this error as the ERROR frame answering request {@code id}. */
  public ByteBuf encode(ByteBufAllocator alloc, int id) {
    ByteBuf buf = alloc.ioBuffer(FrameHeader.SIZE + 64);
    FrameHeader.write(buf, FrameType.ERROR, 0, 0, id, kind, 0);
    buf.writeInt(code);
    int typeLen = ByteBufUtil.utf8Bytes(remoteType);
    buf.writeShort(typeLen);
    ByteBufUtil.reserveAndWriteUtf8(buf, remoteType, typeLen);
    ByteBufUtil.writeUtf8(buf, ControlFrames.truncate(message, MAX_MESSAGE));
    return buf;
  }

  /**
   * Reads the payload of an ERROR frame (or of a reassembled one).
   *
   * @param kind the header's error field
   * @param payload the bytes after the route; read from its reader index
   * @throws FrameException when the payload is malformed
   */
  public static ErrorFrame decode(int kind, ByteBuf payload) {
    if (payload.readableBytes() < 6) {
      throw new FrameException("error reply shorter than 6 bytes");
    }
    int code = payload.readInt();
    int typeLen = payload.readUnsignedShort();
    if (typeLen > payload.readableBytes()) {
      throw new FrameException("error reply's type length runs past the end");
    }
    String type = payload.readCharSequence(typeLen, StandardCharsets.UTF_8).toString();
    String message =
        payload.readCharSequence(payload.readableBytes(), StandardCharsets.UTF_8).toString();
    return new ErrorFrame(kind, code, type, message);
  }
}
