package io.communica.udp;

import io.communica.core.MessageTooLargeException;
import io.communica.core.frame.ControlFrames;
import io.communica.core.frame.ErrorFrame;
import io.communica.core.frame.FrameException;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.FrameListener;
import io.communica.core.transport.WriteListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a client's connection and a server's peer share: a frame a session writes becomes one
 * datagram, or is answered here. The session's handshake frames and pings never leave the
 * process: a ping is answered with a PONG handed back on the next loop turn, and each subclass
 * supplies the handshake half of the absent peer. A frame that does not fit one datagram is
 * refused: a message's sender gets {@code MessageTooLargeException} at once (a request through an
 * ERROR frame handed back, as a responder would send it).
 */
abstract class DatagramConnection implements FrameConnection {

  private static final Logger log = LoggerFactory.getLogger(DatagramConnection.class);

  final Channel channel;
  final int maxDatagram;
  @Nullable FrameListener listener;
  /** Set by {@link #close()} at once, from any thread: nothing more is delivered. */
  volatile boolean closing;
  /** Loop: {@link FrameListener#onClosed} was called. */
  boolean closed;

  DatagramConnection(Channel channel, int maxDatagram) {
    this.channel = channel;
    this.maxDatagram = maxDatagram;
  }

  /** The peer's address for a server's peer; null for a client's connected channel. */
  abstract @Nullable InetSocketAddress recipient();

  /** A handshake or closing frame of the session (HELLO, WELCOME, REFUSE, CLOSE, PONG). */
  abstract void onSessionFrame(int type, ByteBuf frame);

  /** A REQUEST, MESSAGE, RESPONSE, ERROR or CANCEL of the session; sends or refuses it. */
  abstract void onCall(int type, ByteBuf frame, @Nullable WriteListener written);

  @Override
  public final void write(ByteBuf frame) {
    write(frame, null);
  }

  @Override
  public final void write(ByteBuf frame, @Nullable WriteListener written) {
    if (closing || frame.readableBytes() < FrameHeader.SIZE) {
      frame.release();
      if (written != null) {
        written.onWritten(null);
      }
      return;
    }
    int type = FrameHeader.type(frame);
    if (type == FrameType.PING) {
      frame.release();
      handBack(ControlFrames.pong(alloc()));
    } else if (FrameType.isMessage(type) || type == FrameType.CANCEL) {
      onCall(type, frame, written);
      return;
    } else {
      onSessionFrame(type, frame);
    }
    if (written != null) {
      written.onWritten(null);
    }
  }

  /** Sends {@code frame} as one datagram, or refuses it when it does not fit one. */
  final void send(ByteBuf frame, @Nullable WriteListener written) {
    if (Datagrams.tooLarge(frame, maxDatagram)) {
      refuseTooLarge(frame, written);
      return;
    }
    transmit(frame);
    Datagrams.SENT.increment();
    if (written != null) {
      written.onWritten(null);
    }
  }

  /** Hands one datagram to the socket (through the channel, flushed by {@link #flush()}). */
  void transmit(ByteBuf frame) {
    InetSocketAddress to = recipient();
    channel.write(to == null ? frame : new DatagramPacket(frame, to), channel.voidPromise());
  }

  private void refuseTooLarge(ByteBuf frame, @Nullable WriteListener written) {
    Datagrams.TOO_LARGE.increment();
    String message = Datagrams.tooLargeMessage(frame, maxDatagram);
    int type = FrameHeader.type(frame);
    int id = FrameHeader.id(frame);
    boolean first = (FrameHeader.flags(frame) & FrameHeader.FLAG_CONTINUED) == 0;
    ByteBuf replacement = null;
    if (first && type == FrameType.ERROR) {
      replacement = truncatedError(frame);
    } else if (first && type == FrameType.RESPONSE) {
      // the requester is told, as a responder tells it of a reply over its size limit
      replacement =
          Datagrams.error(alloc(), id, Datagrams.MESSAGE_TOO_LARGE, 0, "the reply: " + message);
    }
    frame.release();
    if (replacement != null) {
      send(replacement, written);
      return;
    }
    if (written != null) {
      written.onWritten(new MessageTooLargeException(message));
    } else if (first && type == FrameType.REQUEST) {
      handBack(Datagrams.error(alloc(), id, Datagrams.MESSAGE_TOO_LARGE, 0, message));
    }
    // other fragments of a message refused at its first are dropped
  }

  /** An ERROR reply that does not fit a datagram, as one that does: its message cut short. */
  private ByteBuf truncatedError(ByteBuf frame) {
    ByteBuf payload = frame.slice(
        frame.readerIndex() + FrameHeader.payloadOffset(frame), FrameHeader.payloadLength(frame));
    ErrorFrame e;
    try {
      e = ErrorFrame.decode(FrameHeader.errorKind(frame), payload);
    } catch (FrameException bad) {
      e = new ErrorFrame(FrameHeader.errorKind(frame), 0, "", "(an error reply that does not decode)");
    }
    // UTF-8 may take 3 bytes a character: cut to what surely fits (a type name too long goes)
    String type = e.remoteType().length() * 3 > maxDatagram / 2 ? "" : e.remoteType();
    int room = maxDatagram - FrameHeader.SIZE - 6 - type.length() * 3 - 3;
    String m = e.message();
    String cut = m.length() * 3 <= room ? m : ControlFrames.truncate(m, Math.max(0, room / 3));
    return new ErrorFrame(e.kind(), e.code(), type, cut).encode(alloc(), FrameHeader.id(frame));
  }

  /** Hands a frame made here to the listener on a later loop turn (never inside a write). */
  final void handBack(ByteBuf frame) {
    execute(
        () -> {
          try {
            if (!closing) {
              deliver(frame);
            }
          } finally {
            frame.release();
          }
        });
  }

  /** Loop: one frame to the listener, then the end of the read burst. The buffer stays lent. */
  final void deliver(ByteBuf frame) {
    FrameListener l = listener;
    if (l == null || closed) {
      return;
    }
    try {
      l.onFrame(frame);
      l.onReadComplete();
    } catch (RuntimeException e) {
      log.warn("listener of {} failed", this, e);
      try {
        l.onException(e);
      } finally {
        close();
      }
    }
  }

  /** Loop: tells the listener the connection closed, once. */
  final void closed(@Nullable Throwable cause) {
    closing = true;
    if (closed) {
      return;
    }
    closed = true;
    FrameListener l = listener;
    if (l != null) {
      l.onClosed(cause);
    }
  }

  final void writable() {
    FrameListener l = listener;
    if (l != null && !closing) {
      l.onWritable();
    }
  }

  @Override
  public boolean inLoop() {
    return channel.eventLoop().inEventLoop();
  }

  @Override
  public void execute(Runnable task) {
    try {
      channel.eventLoop().execute(task);
    } catch (RejectedExecutionException e) {
      // the loop is shutting down with the process
    }
  }

  @Override
  public Future<?> schedule(Runnable task, long delay, TimeUnit unit) {
    return channel.eventLoop().schedule(task, delay, unit);
  }

  @Override
  public void flush() {
    channel.flush();
  }

  @Override
  public boolean isWritable() {
    return channel.isWritable();
  }

  @Override
  public ByteBufAllocator alloc() {
    return channel.alloc();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + remoteAddress() + "]";
  }
}
