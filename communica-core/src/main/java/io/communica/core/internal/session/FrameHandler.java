package io.communica.core.internal.session;

import io.netty.buffer.ByteBuf;

/**
 * What a {@link FrameReader} calls, one method per frame kind, with the header fields read and
 * fragments already reassembled. Buffers are lent for the duration of the call. Loop only.
 */
interface FrameHandler {

  /** Whether message frames are allowed yet (the handshake completed). */
  boolean acceptsMessages();

  void onHello(ByteBuf payload);

  void onWelcome(ByteBuf payload);

  /** A REFUSE with its reason code ({@code ErrorKind.REFUSE_*}) and text. */
  void onRefuse(int reason, String text);

  /**
   * A REQUEST ({@code wantsReply}) or MESSAGE; the route is the first {@code routeLen} bytes of
   * {@code route}, which may be longer.
   */
  void onRequest(
      boolean wantsReply, int id, int flags, int contentType, byte[] route, int routeLen,
      ByteBuf payload);

  void onResponse(int id, int flags, int contentType, ByteBuf payload);

  void onError(int id, int kind, ByteBuf payload);

  /** A CANCEL; flag RESPONDER when the responder of a channel no longer wants its input. */
  void onCancel(int id, int flags);

  /**
   * A REQUEST_STREAM or REQUEST_CHANNEL ({@code channel}) with the requester's first credits
   * (the header's u16 error field); route as in {@link #onRequest}.
   */
  void onRequestStream(
      boolean channel, int id, int flags, int contentType, int credits, byte[] route,
      int routeLen, ByteBuf payload);

  /** A NEXT: one item of a stream; flag RESPONDER when the peer is the stream's responder. */
  void onNext(int id, int flags, int contentType, ByteBuf payload);

  /** A COMPLETE: the sender's direction of stream {@code id} ended. */
  void onComplete(int id, int flags);

  /** A REQUEST_N: {@code n} more credits (a signed u32 as read: not positive is malformed). */
  void onRequestN(int id, int flags, int n);

  void onPing();

  /** A CLOSE with its code ({@code ErrorKind.CLOSE_*}) and reason. */
  void onClose(int code, String reason);

  /** A frame of another protocol version; {@code frame} is the whole frame. */
  void onOtherVersion(int version, int type, ByteBuf frame);

  /** The frame breaks the protocol. */
  void protocolError(String reason);
}
