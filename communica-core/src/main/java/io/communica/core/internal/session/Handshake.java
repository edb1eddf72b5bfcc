package io.communica.core.internal.session;

import io.communica.core.frame.ControlFrames;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.netty.buffer.ByteBuf;

/**
 * One side's part of the handshake: {@link ClientHandshake} or {@link ServerHandshake}. Called on
 * the loop while the session is in its handshake; a frame the side does not expect is a protocol
 * error.
 */
abstract class Handshake {

  final Session session;

  Handshake(Session session) {
    this.session = session;
  }

  /** The connection is open: the client speaks first. */
  abstract void start();

  void onHello(ByteBuf payload) {
    session.protocolError("unexpected HELLO frame");
  }

  void onWelcome(ByteBuf payload) {
    session.protocolError("unexpected WELCOME frame");
  }

  void onRefuse(int reason, String text) {
    session.protocolError("unexpected REFUSE frame");
  }

  /** A frame of another protocol version arrived during the handshake. */
  abstract void onOtherVersion(int version, int type, ByteBuf frame);

  /** Starts a HELLO or WELCOME with the limits both carry. */
  final ByteBuf begin(int type, int payloadHint) {
    SessionSettings s = session.settings();
    ByteBuf buf = session.alloc().ioBuffer(FrameHeader.SIZE + 12 + payloadHint);
    FrameHeader.write(buf, type, 0, 0, 0, 0, 0);
    buf.writeInt(s.maxMessageSize());
    buf.writeInt(s.maxFrameSize());
    buf.writeInt((int) Math.min(Integer.MAX_VALUE, s.keepAliveInterval().toMillis()));
    return buf;
  }

  /** Reads the limits at the start of a HELLO or WELCOME; false after a protocol error. */
  final boolean readLimits(ByteBuf in, String frame) {
    if (in.readableBytes() < 12) {
      session.protocolError(frame + " frame too short");
      return false;
    }
    return session.acceptLimits(in.readInt(), in.readInt(), in.readInt());
  }

  /** The capability bits at the end of a HELLO or WELCOME (0 when a peer leaves them out). */
  static int readCapabilities(ByteBuf in) {
    return in.readableBytes() >= 4 ? in.readInt() : 0;
  }

  /** Text of a REFUSE of any version: the layout before the payload is the same in 1 and 2. */
  static String refuseText(int type, ByteBuf frame) {
    return type == FrameType.REFUSE ? ControlFrames.text(frame) : "";
  }
}
