package io.communica.core.internal.session;

import io.communica.core.CommunicaException;
import io.communica.core.MessageTooLargeException;
import io.communica.core.OverloadedException;
import io.communica.core.Payload;
import io.communica.core.ResponderException;
import io.communica.core.Serializer;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.netty.buffer.ByteBuf;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a handler's outcome becomes a frame: the reply encoded (an error in its place when the value
 * cannot be encoded or is too large for the peer), the ERROR frame of a failure, and what a
 * failure is told and logged as. Any thread.
 */
final class Replies {

  /** The responder's logger: these lines keep the category they are configured under. */
  private static final Logger log = LoggerFactory.getLogger(Responder.class);

  private Replies() {}

  /** The ERROR frame answering request {@code id} with {@code t} (any thread). */
  static ByteBuf error(Session session, int id, Throwable t) {
    return ErrorCodes.errorFrame(session.alloc(), id, t);
  }

  /** Encodes a reply frame (any thread); a value that cannot be encoded or is too large becomes an error. */
  static ByteBuf encode(Session session, int id, @Nullable Object value, Serializer serializer) {
    ByteBuf frame;
    try {
      frame =
          Frames.message(
              Frames.forCaller(session.alloc(), value), FrameType.RESPONSE, id, RouteIndex.NONE,
              value, serializer);
    } catch (OutOfMemoryError e) {
      log.warn("out of memory encoding the reply to request {} from {}: {}", id, session.describe(), e.toString());
      return ErrorCodes.errorFrame(
          session.alloc(), id, new OverloadedException("the responder ran out of memory encoding its reply"));
    } catch (Throwable t) {
      log.warn("cannot encode the reply to request {} from {}", id, session.describe(), t);
      return ErrorCodes.errorFrame(
          session.alloc(),
          id,
          new ResponderException(
              "the responder cannot encode its reply: " + t.getMessage(),
              ResponderException.UNENCODABLE_REPLY));
    }
    int size = FrameHeader.payloadLength(frame);
    int limit = session.terms.sendLimit();
    if (size > limit) {
      frame.release();
      return ErrorCodes.errorFrame(session.alloc(), id, MessageTooLargeException.of(size, limit));
    }
    return frame;
  }

  /**
   * Loop: writes the reply of request {@code id} carrying a large payload as a header and the
   * payload's buffer, without a frame buffer or a composite ({@link FrameWriter#writeParts}). Returns
   * false, leaving the payload untouched, when it is not for this path (small, larger than the
   * peer takes, or not a buffer that can be taken): {@link #encode} then makes the frame.
   */
  static boolean writeLargePayload(Session session, int id, Payload value, Serializer serializer) {
    int size = value.size();
    if (size <= Frames.COPIED_PAYLOAD || size > session.terms.sendLimit()) {
      return false;
    }
    ByteBuf payload;
    try {
      payload = Payloads.take(value);
    } catch (RuntimeException e) {
      return false; // sent or closed already: encode says so in an error frame
    }
    ByteBuf header = session.out.headerScratch();
    FrameHeader.write(header, FrameType.RESPONSE, 0, serializer.contentType(), id, 0, 0);
    session.out.writeParts(header, payload);
    return true;
  }

  /**
   * For interceptors: the error a reply frame carries (an ERROR frame when the value could not be
   * encoded), or null for a RESPONSE. Call before the frame is written.
   */
  static @Nullable Throwable errorOf(ByteBuf frame) {
    if (FrameHeader.type(frame) != FrameType.ERROR) {
      return null;
    }
    return ErrorCodes.read(
        FrameHeader.errorKind(frame),
        frame.slice(frame.readerIndex() + FrameHeader.SIZE, frame.readableBytes() - FrameHeader.SIZE));
  }

  /**
   * A handler that ran on the I/O thread and blocked ({@code Mono.block()} and the like) fails
   * with Reactor's "block()/blockFirst()/blockLast() are blocking, which is not supported in
   * thread ..."; the error says what to do instead.
   */
  static Throwable explain(Throwable t) {
    if (t instanceof IllegalStateException
        && t.getMessage() != null
        && t.getMessage().contains("are blocking, which is not supported in thread")) {
      return new IllegalStateException(
          "a non-blocking or reactive handler blocked on the I/O thread (" + t.getMessage()
              + "): use Handler.blocking(...) for a handler that blocks",
          t);
    }
    return t;
  }

  /** Unexpected handler exceptions are logged with their trace; refusals at debug level. */
  static void logFailure(String route, Throwable t) {
    String where = route.isEmpty() ? "handler" : "handler for route '" + route + "'";
    if (t instanceof CommunicaException) {
      log.debug("{} refused: {}", where, t.toString());
    } else {
      log.warn("{} failed: {}", where, t.toString(), t);
    }
  }
}
