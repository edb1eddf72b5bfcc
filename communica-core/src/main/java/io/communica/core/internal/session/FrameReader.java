package io.communica.core.internal.session;

import io.communica.core.frame.ControlFrames;
import io.communica.core.frame.FrameException;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.jspecify.annotations.Nullable;

/**
 * Reads each inbound frame's header once, checks it, reassembles fragmented messages and calls the
 * {@link FrameHandler} method of the frame's kind. Loop only.
 */
final class FrameReader {

  private static final int FRAGMENTED = FrameHeader.FLAG_FOLLOWS | FrameHeader.FLAG_CONTINUED;

  private final FrameHandler handler;
  /** The handler's stream part, asked for on the first stream frame (the session makes it then). */
  private @Nullable StreamFrames streams;
  private final int maxMessage;
  private final ByteBufAllocator alloc;
  private final MemoryBudget.Account account;
  /** Made on the first fragment: most connections never see one. */
  private @Nullable Reassembly reassembly;
  /**
   * The route of the frame being dispatched, copied out of the frame; as long as the longest route
   * of this side (longer ones cannot match).
   */
  private final byte[] routeScratch;

  FrameReader(
      FrameHandler handler, ByteBufAllocator alloc, MemoryBudget.Account account, int maxMessage,
      int longestRoute) {
    this.handler = handler;
    this.maxMessage = maxMessage;
    this.alloc = alloc;
    this.account = account;
    this.routeScratch = new byte[longestRoute];
  }

  void read(ByteBuf frame) {
    int base = frame.readerIndex();
    int size = frame.readableBytes();
    if (size < FrameHeader.SIZE) {
      handler.protocolError("frame of " + size + " bytes is shorter than the frame header");
      return;
    }
    // the fixed header in two reads: each read of a buffer checks its state
    long head = frame.getLong(base);
    int tail = frame.getInt(base + FrameHeader.OFF_ERROR);
    int version = (int) (head >>> 56) & 0xff;
    int type = (int) (head >>> 48) & 0xff;
    int flags = (int) (head >>> 40) & 0xff;
    int contentType = (int) (head >>> 32) & 0xff;
    int id = (int) head;
    int error = tail >>> 16;
    int routeLen = tail & 0xffff;
    if (version != FrameHeader.VERSION) {
      handler.onOtherVersion(version, type, frame);
      return;
    }
    int payloadStart = FrameHeader.SIZE + routeLen;
    if (payloadStart > size) {
      handler.protocolError("route length " + routeLen + " runs past the end of the frame");
      return;
    }
    if (routeLen > FrameHeader.MAX_ROUTE_BYTES) {
      handler.protocolError(
          "route of " + routeLen + " bytes is longer than " + FrameHeader.MAX_ROUTE_BYTES);
      return;
    }
    int n = size - payloadStart;
    if (FrameType.isMessage(type)) {
      if (!handler.acceptsMessages()) {
        handler.protocolError(FrameType.name(type) + " frame before the handshake completed");
      } else if ((flags & FRAGMENTED) != 0) {
        fragment(frame, type, id, flags, contentType, error, routeLen, n);
      } else if (n > maxMessage) {
        handler.protocolError("message of " + n + " bytes exceeds the maximum message size");
      } else {
        byte[] route = routeScratch;
        if (routeLen > route.length) {
          // longer than every route of this side: it cannot match, only its name is needed
          route = new byte[routeLen];
        }
        frame.getBytes(base + FrameHeader.SIZE, route, 0, routeLen);
        if (type == FrameType.REQUEST || type == FrameType.MESSAGE || type == FrameType.RESPONSE) {
          // the frame's own view moved past the header instead of a slice per message: these
          // kinds decode the payload or take a slice of it before the call returns, and the view
          // is put back after (the frame is only lent)
          frame.readerIndex(base + payloadStart);
          try {
            deliver(type, id, flags, contentType, error, route, routeLen, frame);
          } finally {
            frame.readerIndex(base);
          }
        } else {
          deliver(
              type, id, flags, contentType, error, route, routeLen,
              frame.slice(base + payloadStart, n));
        }
      }
      return;
    }
    switch (type) {
      case FrameType.CANCEL -> {
        if ((flags & FrameHeader.FLAG_RESPONDER) == 0) {
          handler.onCancel(id);
        } else if (streams(type) != null) {
          streams.onInputCancel(id);
        }
      }
      case FrameType.COMPLETE -> {
        if (streams(type) != null) {
          streams.onComplete(id, flags);
        }
      }
      case FrameType.REQUEST_N -> {
        if (n != 4 || !handler.acceptsMessages()) {
          handler.protocolError("malformed REQUEST_N frame");
        } else if (streams(type) != null) {
          streams.onRequestN(id, flags, frame.getInt(base + payloadStart));
        }
      }
      case FrameType.PING -> handler.onPing();
      case FrameType.PONG -> {}
      case FrameType.HELLO -> handler.onHello(frame.slice(base + payloadStart, n));
      case FrameType.WELCOME -> handler.onWelcome(frame.slice(base + payloadStart, n));
      case FrameType.REFUSE -> handler.onRefuse(error, ControlFrames.text(frame));
      case FrameType.CLOSE -> handler.onClose(error, ControlFrames.text(frame));
      default -> handler.protocolError("unknown frame type " + FrameType.name(type));
    }
  }

  private void fragment(
      ByteBuf frame, int type, int id, int flags, int contentType, int error, int routeLen, int n) {
    int from = frame.readerIndex() + FrameHeader.SIZE + routeLen;
    Reassembly.Partial done;
    Reassembly reassembly = this.reassembly;
    if (reassembly == null) {
      this.reassembly = reassembly = new Reassembly(alloc, account, maxMessage);
    }
    try {
      if ((flags & FrameHeader.FLAG_CONTINUED) == 0) {
        byte[] route = new byte[routeLen];
        frame.getBytes(frame.readerIndex() + FrameHeader.SIZE, route);
        reassembly.begin(
            type, id, flags & ~FrameHeader.FLAG_FOLLOWS, contentType, error, route, frame, from, n);
        return;
      }
      if (routeLen != 0) {
        throw new FrameException("a continued fragment carries a route");
      }
      done = reassembly.append(type, id, flags, frame, from, n);
    } catch (FrameException e) {
      handler.protocolError(e.getMessage());
      return;
    } catch (MemoryBudget.Refused e) {
      handler.overloaded(e.getMessage());
      return;
    } catch (OutOfMemoryError e) {
      // direct memory ran out despite the budget (other users of it): this connection goes
      handler.overloaded("out of memory while reassembling a message: " + e.getMessage());
      return;
    }
    if (done != null) {
      try {
        deliver(
            done.type, done.id, done.flags, done.contentType, done.error, done.route,
            done.route.length, done.payload);
      } finally {
        done.payload.release();
      }
    }
  }

  private void deliver(
      int type, int id, int flags, int contentType, int error, byte[] route, int routeLen,
      ByteBuf payload) {
    switch (type) {
      case FrameType.RESPONSE -> handler.onResponse(id, flags, contentType, payload);
      case FrameType.ERROR -> handler.onError(id, error, payload);
      case FrameType.NEXT -> {
        if (streams(type) != null) {
          streams.onNext(id, flags, contentType, payload);
        }
      }
      case FrameType.REQUEST_STREAM, FrameType.REQUEST_CHANNEL -> {
        if (streams(type) != null) {
          streams.onRequestStream(
              type == FrameType.REQUEST_CHANNEL, id, flags, contentType, error, route, routeLen,
              payload);
        }
      }
      default ->
          handler.onRequest(
              type == FrameType.REQUEST, id, flags, contentType, route, routeLen, payload);
    }
  }

  /**
   * The handler's stream part (kept in {@link #streams}), or null after reporting a stream frame as
   * a protocol error.
   */
  private @Nullable StreamFrames streams(int type) {
    StreamFrames s = streams;
    if (s == null) {
      streams = s = handler.streams();
      if (s == null) {
        handler.protocolError("unexpected " + FrameType.name(type) + " frame");
      }
    }
    return s;
  }

  /** The connection closed. */
  void close() {
    Reassembly r = reassembly;
    if (r != null) {
      r.releaseAll();
    }
  }
}
