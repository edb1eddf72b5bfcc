package io.communica.core.internal.session;

import io.communica.core.CommunicaException;
import io.communica.core.HandlerFailedException;
import io.communica.core.MessageTooLargeException;
import io.communica.core.OverloadedException;
import io.communica.core.RequestException;
import io.communica.core.ResponderException;
import io.communica.core.SerializationException;
import io.communica.core.frame.ErrorFrame;
import io.communica.core.frame.ErrorKind;
import io.communica.core.frame.FrameException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The one mapping between the {@link ErrorKind}s of ERROR frames ({@link ErrorFrame}) and
 * exception types, both ways.
 */
public final class ErrorCodes {

  private ErrorCodes() {}

  /** The exception a requester sees for an ERROR frame's fields. */
  public static CommunicaException toException(ErrorFrame e) {
    String message = e.message();
    int code = e.code();
    return switch (e.kind()) {
      case ErrorKind.REQUEST -> new RequestException(message, code);
      case ErrorKind.RESPONDER -> new ResponderException(message, code);
      case ErrorKind.HANDLER_FAILED -> new HandlerFailedException(e.remoteType(), message);
      case ErrorKind.SERIALIZATION -> new SerializationException(message);
      case ErrorKind.UNKNOWN_ROUTE -> new RequestException(message, RequestException.UNKNOWN_ROUTE);
      case ErrorKind.MESSAGE_TOO_LARGE -> new MessageTooLargeException(message);
      case ErrorKind.OVERLOADED -> new OverloadedException(message);
      default ->
          new HandlerFailedException(
              "unknown error kind " + e.kind(),
              message + " (code " + code + ", type " + e.remoteType() + ")");
    };
  }

  /** Which kind an exception thrown by a handler is sent as. */
  public static int kindOf(Throwable t) {
    if (t instanceof RequestException e) {
      return e.code() == RequestException.UNKNOWN_ROUTE ? ErrorKind.UNKNOWN_ROUTE : ErrorKind.REQUEST;
    }
    if (t instanceof ResponderException) {
      return ErrorKind.RESPONDER;
    }
    if (t instanceof SerializationException) {
      return ErrorKind.SERIALIZATION;
    }
    if (t instanceof MessageTooLargeException) {
      return ErrorKind.MESSAGE_TOO_LARGE;
    }
    if (t instanceof OverloadedException) {
      return ErrorKind.OVERLOADED;
    }
    return ErrorKind.HANDLER_FAILED;
  }

  /** The wire fields of an exception thrown by a handler. */
  public static ErrorFrame of(Throwable t) {
    int kind = kindOf(t);
    int code = t instanceof CommunicaException c && kind != ErrorKind.HANDLER_FAILED ? c.code() : 0;
    if (t instanceof HandlerFailedException relayed) {
      // a handler relaying a failure (or an interface's declared exception): the original type
      return new ErrorFrame(kind, 0, relayed.remoteType(), relayed.remoteMessage());
    }
    String type = kind == ErrorKind.HANDLER_FAILED ? t.getClass().getName() : "";
    String message = t.getMessage();
    return new ErrorFrame(kind, code, type, message == null ? "" : message);
  }

  /** An ERROR frame answering request {@code id} with {@code t}. */
  public static ByteBuf errorFrame(ByteBufAllocator alloc, int id, Throwable t) {
    return of(t).encode(alloc, id);
  }

  /**
   * Reads an ERROR frame's payload into the exception the requester sees; a malformed payload
   * gives a {@link HandlerFailedException} saying so.
   *
   * @param kind the header's error field
   * @param payload the bytes after the route
   */
  public static CommunicaException read(int kind, ByteBuf payload) {
    try {
      return toException(ErrorFrame.decode(kind, payload));
    } catch (FrameException e) {
      return new HandlerFailedException("malformed error reply", e.getMessage());
    }
  }
}
