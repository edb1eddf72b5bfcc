package io.communica.udp;

import io.communica.core.frame.Capabilities;
import io.communica.core.frame.ErrorFrame;
import io.communica.core.frame.ErrorKind;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.communica.core.frame.LengthCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The datagram side of the protocol: which frames a receiver takes, the handshake frames each side
 * is handed in place of the peer's, and the process's counters.
 */
final class Datagrams {

  static final LongAdder SENT = new LongAdder();
  static final LongAdder RECEIVED = new LongAdder();
  static final LongAdder DROPPED = new LongAdder();
  static final LongAdder TOO_LARGE = new LongAdder();

  /** The keep-alive interval each side is told the other has: pings are answered locally. */
  private static final int KEEP_ALIVE_MS = 30_000;

  private Datagrams() {}

  static UdpCounters snapshot() {
    return new UdpCounters(SENT.sum(), RECEIVED.sum(), DROPPED.sum(), TOO_LARGE.sum());
  }

  /**
   * Null when {@code frame} is one a peer may send in one datagram to this side (a server takes
   * REQUEST, MESSAGE and CANCEL, a client RESPONSE and ERROR), else why not.
   */
  static @Nullable String reject(ByteBuf frame, boolean atServer, int maxDatagram) {
    int n = frame.readableBytes();
    if (n > maxDatagram) {
      return "datagram of " + n + " bytes or more exceeds the limit of " + maxDatagram;
    }
    if (n < FrameHeader.SIZE) {
      return "datagram of " + n + " bytes is shorter than a frame header";
    }
    if (FrameHeader.version(frame) != FrameHeader.VERSION) {
      return "protocol version " + FrameHeader.version(frame);
    }
    int type = FrameHeader.type(frame);
    boolean allowed =
        atServer
            ? type == FrameType.REQUEST || type == FrameType.MESSAGE || type == FrameType.CANCEL
            : type == FrameType.RESPONSE || type == FrameType.ERROR;
    if (!allowed) {
      return "frame type " + FrameType.name(type) + " is not taken " + (atServer ? "by a server" : "by a client");
    }
    if ((FrameHeader.flags(frame) & (FrameHeader.FLAG_FOLLOWS | FrameHeader.FLAG_CONTINUED)) != 0) {
      return "a fragment (datagrams are never fragmented)";
    }
    int route = FrameHeader.routeLength(frame);
    if (route > FrameHeader.MAX_ROUTE_BYTES || FrameHeader.SIZE + route > n) {
      return "route length " + route + " runs past the frame";
    }
    if (route != 0 && !FrameType.isMessage(type)) {
      return "a route on a " + FrameType.name(type) + " frame";
    }
    return null;
  }

  /** Whether a frame written by a session must be refused: larger than a datagram, or a fragment. */
  static boolean tooLarge(ByteBuf frame, int maxDatagram) {
    return frame.readableBytes() > maxDatagram
        || (FrameHeader.flags(frame) & (FrameHeader.FLAG_FOLLOWS | FrameHeader.FLAG_CONTINUED)) != 0;
  }

  /** The largest payload a session is told it may send: a datagram less the fixed header. */
  static int maxMessage(int maxDatagram) {
    return maxDatagram - FrameHeader.SIZE;
  }

  /** The largest frame a session is told: at least the protocol's minimum, which it requires. */
  static int maxFrame(int maxDatagram) {
    return Math.max(FrameHeader.MIN_FRAME_SIZE, maxDatagram + LengthCodec.PREFIX);
  }

  /** The WELCOME a client's session is handed in place of a server's. */
  static ByteBuf welcome(ByteBufAllocator alloc, int maxDatagram) {
    ByteBuf b = alloc.buffer(FrameHeader.SIZE + 16);
    FrameHeader.write(b, FrameType.WELCOME, 0, 0, 0, 0, 0);
    b.writeInt(maxMessage(maxDatagram));
    b.writeInt(maxFrame(maxDatagram));
    b.writeInt(KEEP_ALIVE_MS);
    b.writeInt(Capabilities.REQUEST_METADATA);
    return b;
  }

  /** The HELLO a server's session is handed for a new peer address. */
  static ByteBuf hello(ByteBufAllocator alloc, String clientId, int maxDatagram) {
    ByteBuf b = alloc.buffer(FrameHeader.SIZE + 24 + clientId.length());
    FrameHeader.write(b, FrameType.HELLO, 0, 0, 0, 0, 0);
    b.writeInt(maxMessage(maxDatagram));
    b.writeInt(maxFrame(maxDatagram));
    b.writeInt(KEEP_ALIVE_MS);
    int at = b.writerIndex();
    b.writeShort(0);
    b.setShort(at, ByteBufUtil.writeUtf8(b, clientId));
    b.writeShort(0); // no credentials
    b.writeInt(Capabilities.REQUEST_METADATA);
    return b;
  }

  /** An ERROR frame answering request {@code id} locally. */
  static ByteBuf error(ByteBufAllocator alloc, int id, int kind, int code, String message) {
    return new ErrorFrame(kind, code, "", message).encode(alloc, id);
  }

  static String tooLargeMessage(ByteBuf frame, int maxDatagram) {
    boolean fragment =
        (FrameHeader.flags(frame) & (FrameHeader.FLAG_FOLLOWS | FrameHeader.FLAG_CONTINUED)) != 0;
    return (fragment ? "a message in fragments" : "a frame of " + frame.readableBytes() + " bytes")
        + " exceeds the datagram limit of " + maxDatagram
        + " bytes (udp:// sends one frame per datagram and never fragments; the limit is the"
        + " connector's max-datagram option)";
  }

  static final int MESSAGE_TOO_LARGE = ErrorKind.MESSAGE_TOO_LARGE;
}
