package io.communica.core.internal.session;

import io.netty.buffer.ByteBuf;
import org.jspecify.annotations.Nullable;

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

  /** A CANCEL from the requester of request or stream {@code id}. */
  void onCancel(int id);

  /** Where stream frames go; null when this side takes none (they are protocol errors). */
  default @Nullable StreamFrames streams() {
    return null;
  }

  void onPing();

  /** A CLOSE with its code ({@code ErrorKind.CLOSE_*}) and reason. */
  void onClose(int code, String reason);

  /** A frame of another protocol version; {@code frame} is the whole frame. */
  void onOtherVersion(int version, int type, ByteBuf frame);

  /** The frame breaks the protocol. */
  void protocolError(String reason);

  /**
   * This side cannot hold what the peer sends: the memory budget refused it (this connection holds
   * the most) or an allocation failed.
   */
  void overloaded(String reason);
}
