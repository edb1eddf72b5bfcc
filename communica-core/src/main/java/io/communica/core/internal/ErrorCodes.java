package io.communica.core.internal;

import io.communica.core.CommunicaException;
import io.communica.core.HandlerFailedException;
import io.communica.core.HandshakeRefusedException;
import io.communica.core.MessageTooLargeException;
import io.communica.core.OverloadedException;
import io.communica.core.RequestException;
import io.communica.core.ResponderException;
import io.communica.core.SerializationException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;

/**
 * Error kinds on the wire and the one mapping between them and exception types, both ways.
 *
 * <p>An ERROR frame carries the kind in the header's error field and, as payload: i32 code, u16
 * length and UTF-8 bytes of the remote exception type (empty unless HANDLER_FAILED), then the
 * UTF-8 message to the end of the frame.
 */
public final class ErrorCodes {

  public static final int REQUEST = 1;
  public static final int RESPONDER = 2;
  public static final int HANDLER_FAILED = 3;
  public static final int SERIALIZATION = 4;
  public static final int UNKNOWN_ROUTE = 5;
  public static final int MESSAGE_TOO_LARGE = 6;
  public static final int OVERLOADED = 7;

  // REFUSE frame reasons
  public static final int REFUSE_VERSION = 1;
  public static final int REFUSE_AUTH = 2;
  public static final int REFUSE_OTHER = 3;

  /** Longest message sent in an ERROR frame; longer ones are cut. */
  static final int MAX_MESSAGE = 8192;

  private ErrorCodes() {}

  /** The exception a requester sees for an ERROR frame's fields. */
  public static CommunicaException toException(int kind, int code, String type, String message) {
    return switch (kind) {
      case REQUEST -> new RequestException(message, code);
      case RESPONDER -> new ResponderException(message, code);
      case HANDLER_FAILED -> new HandlerFailedException(type, message);
      case SERIALIZATION -> new SerializationException(message);
      case UNKNOWN_ROUTE -> new RequestException(message, RequestException.UNKNOWN_ROUTE);
      case MESSAGE_TOO_LARGE -> new MessageTooLargeException(message);
      case OVERLOADED -> new OverloadedException(message);
      default ->
          new HandlerFailedException(
              "unknown error kind " + kind, message + " (code " + code + ", type " + type + ")");
    };
  }

  /** Which kind an exception thrown by a handler is sent as. */
  public static int kindOf(Throwable t) {
    if (t instanceof RequestException e) {
      return e.code() == RequestException.UNKNOWN_ROUTE ? UNKNOWN_ROUTE : REQUEST;
    }
    if (t instanceof ResponderException) {
      return RESPONDER;
    }
    if (t instanceof SerializationException) {
      return SERIALIZATION;
    }
    if (t instanceof MessageTooLargeException) {
      return MESSAGE_TOO_LARGE;
    }
    if (t instanceof OverloadedException) {
      return OVERLOADED;
    }
    return HANDLER_FAILED;
  }

  /** An ERROR frame answering request {@code id} with {@code t}. */
  public static ByteBuf errorFrame(ByteBufAllocator alloc, int id, Throwable t) {
    int kind = kindOf(t);
    int code = t instanceof CommunicaException c && kind != HANDLER_FAILED ? c.code() : 0;
    String type = kind == HANDLER_FAILED ? t.getClass().getName() : "";
    String message = t.getMessage();
    if (message == null) {
      message = "";
    }
    return errorFrame(alloc, id, kind, code, type, message);
  }

  static ByteBuf errorFrame(
      ByteBufAllocator alloc, int id, int kind, int code, String type, String message) {
    ByteBuf buf = Frames.begin(alloc, Frames.ERROR, 0, 0, id, kind, RouteIndex.NONE, 64);
    buf.writeInt(code);
    int typeLen = ByteBufUtil.utf8Bytes(type);
    buf.writeShort(typeLen);
    ByteBufUtil.reserveAndWriteUtf8(buf, type, typeLen);
    ByteBufUtil.writeUtf8(buf, Frames.truncate(message, MAX_MESSAGE));
    return Frames.finish(buf);
  }

  /**
   * Reads an ERROR frame or the payload of a reassembled one.
   *
   * @param kind the header's error field
   * @param payload the bytes after the route
   */
  public static CommunicaException read(int kind, ByteBuf payload) {
    if (payload.readableBytes() < 6) {
      return new HandlerFailedException("malformed error reply", "shorter than 6 bytes");
    }
    int code = payload.readInt();
    int typeLen = payload.readUnsignedShort();
    if (typeLen > payload.readableBytes()) {
      return new HandlerFailedException("malformed error reply", "type length past the end");
    }
    String type = payload.readCharSequence(typeLen, StandardCharsets.UTF_8).toString();
    String message = payload.readCharSequence(payload.readableBytes(), StandardCharsets.UTF_8)
        .toString();
    return toException(kind, code, type, message);
  }

  /** Exception for a REFUSE frame. */
  public static HandshakeRefusedException refused(String reason) {
    return new HandshakeRefusedException(reason);
  }
}
