package io.communica.core.internal.session;

import io.communica.core.frame.FrameHeader;
import io.netty.buffer.ByteBuf;

/**
 * The frames of streams and channels, as the {@link FrameReader} reads them, sent on to the part
 * they concern: flag RESPONDER marks a frame from the responder of a stream this side opened
 * ({@link StreamRequester}); without it the frame comes from the requester of a stream this side
 * serves ({@link StreamResponder}). Loop only.
 */
final class StreamFrames {

  private final Session session;
  private final Responder responder;

  StreamFrames(Session session, Responder responder) {
    this.session = session;
    this.responder = responder;
  }

  private static boolean fromResponder(int flags) {
    return (flags & FrameHeader.FLAG_RESPONDER) != 0;
  }

  /** A REQUEST_STREAM or REQUEST_CHANNEL ({@code channel}) with the requester's first credits. */
  void onRequestStream(
      boolean channel, int id, int flags, int contentType, int credits, byte[] route,
      int routeLen, ByteBuf payload) {
    responder.onRequestStream(channel, id, flags, contentType, credits, route, routeLen, payload);
  }

  /** A NEXT: one item. */
  void onNext(int id, int flags, int contentType, ByteBuf payload) {
    if (fromResponder(flags)) {
      StreamRequester r = session.streamRequesterIfMade();
      if (r != null) {
        r.onNext(id, flags, contentType, payload);
      }
    } else {
      StreamResponder r = session.streamResponderIfMade();
      if (r != null) {
        r.onNext(id, flags, contentType, payload);
      }
    }
  }

  /** A COMPLETE: the sender's direction ended. */
  void onComplete(int id, int flags) {
    if (!session.isEstablished()) {
      session.protocolError("COMPLETE frame before the handshake completed");
    } else if (fromResponder(flags)) {
      StreamRequester r = session.streamRequesterIfMade();
      if (r != null) {
        r.onComplete(id);
      }
    } else {
      StreamResponder r = session.streamResponderIfMade();
      if (r != null) {
        r.onComplete(id);
      }
    }
  }

  /** A REQUEST_N of {@code n} credits (as read: not positive is malformed). */
  void onRequestN(int id, int flags, int n) {
    if (n <= 0) {
      session.protocolError("REQUEST_N of " + n + " credits");
    } else if (fromResponder(flags)) {
      StreamRequester r = session.streamRequesterIfMade();
      if (r != null) {
        r.onRequestN(id, n);
      }
    } else {
      StreamResponder r = session.streamResponderIfMade();
      if (r != null) {
        r.onRequestN(id, n);
      }
    }
  }

  /** A CANCEL with flag RESPONDER: the responder of a channel wants no more input. */
  void onInputCancel(int id) {
    StreamRequester r = session.streamRequesterIfMade();
    if (r != null) {
      r.onCancel(id);
    }
  }
}
