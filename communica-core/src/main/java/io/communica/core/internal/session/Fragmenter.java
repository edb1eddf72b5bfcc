package io.communica.core.internal.session;

import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.WriteListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * The sending side of fragmentation: a message larger than the peer's frame size goes out in
 * fragments, one fragment of each message in progress per turn of the loop, so that every other
 * frame (small requests and replies, pings) passes between them and one 16 MiB message does not
 * hold up the connection. Each fragment names its message by frame type and id (see {@code
 * docs/PROTOCOL.md}); fire-and-forget messages, whose id is otherwise 0, get an id of their own.
 *
 * <p>At most {@value #MAX_SENDING} messages are in progress, and together no larger than the
 * peer's reassembly budget ({@link Reassembly#budget}); the rest wait their turn in order.
 */
final class Fragmenter {

  /** Messages sent interleaved at once; the receiver accepts {@value Reassembly#MAX_PARTIAL}. */
  static final int MAX_SENDING = 4;

  private final Session session;
  private final FrameWriter out;
  private final FrameConnection conn;
  private final ArrayDeque<Sending> sending = new ArrayDeque<>(MAX_SENDING);
  private final ArrayDeque<Sending> waiting = new ArrayDeque<>(0);
  private final Runnable turnTask = this::turn;
  private long sendingBytes;
  /** Bytes of every message here (in progress and waiting), counted against the memory budget. */
  private long held;
  private int nextMessageId;
  private boolean turnScheduled;

  /** One message being sent: its whole frame and how far it went out. */
  private static final class Sending {
    final ByteBuf frame;
    final @Nullable WriteListener listener;
    final int size;
    int sent;
    boolean budgeted;

    Sending(ByteBuf frame, @Nullable WriteListener listener) {
      this.frame = frame;
      this.listener = listener;
      this.size = frame.readableBytes();
    }
  }

  Fragmenter(Session session, FrameWriter out, FrameConnection conn) {
    this.session = session;
    this.out = out;
    this.conn = conn;
  }

  /** Loop: sends {@code frame}, larger than the peer's frame size, in fragments. */
  void add(ByteBuf frame, @Nullable WriteListener listener) {
    if (FrameHeader.type(frame) == FrameType.MESSAGE) {
      int id = ++nextMessageId;
      if (id <= 0) {
        nextMessageId = id = 1;
      }
      frame.setInt(frame.readerIndex() + FrameHeader.OFF_ID, id);
    }
    Sending s = new Sending(frame, listener);
    hold(s);
    if (waiting.isEmpty() && canStart(s)) {
      start(s);
    } else {
      waiting.add(s);
    }
  }

  /**
   * Counts a message against the memory budget and this connection's share: messages wait here
   * only while the transport is full, so past either bound the peer is not reading and the
   * connection closes (the message is then failed with everything else).
   */
  private void hold(Sending s) {
    if (session.account.reserve(s.size)) {
      s.budgeted = true;
      held += s.size;
      // the outbox stops handing sends over at the share itself (backlogged): only replies, which
      // are written on the loop whatever the transport's state, can pass twice the share
      if (held > 2 * out.maxQueuedBytes()) {
        out.peerNotReading(
            "more than " + 2 * out.maxQueuedBytes() + " bytes of large messages were waiting");
      }
    } else {
      out.peerNotReading(session.account.overBudget());
    }
  }

  private void unhold(Sending s) {
    if (s.budgeted) {
      boolean was = backlogged();
      s.budgeted = false;
      held -= s.size;
      session.account.release(s.size);
      if (was && !backlogged()) {
        session.outbox.backlogCleared();
      }
    }
  }

  /**
   * Whether the large messages here hold this connection's share: the outbox then keeps what it
   * has queued (where the senders' bound applies) instead of handing more over. Below it, small
   * frames keep overtaking large messages.
   */
  boolean backlogged() {
    return held >= out.maxQueuedBytes();
  }

  private boolean canStart(Sending s) {
    return sending.isEmpty()
        || (sending.size() < MAX_SENDING
            && sendingBytes + s.size <= Reassembly.budget(session.terms.peerMaxMessage()));
  }

  /** Writes the first fragment: the message's own header and route, flag FOLLOWS. */
  private void start(Sending s) {
    sending.add(s);
    sendingBytes += s.size;
    int base = s.frame.readerIndex();
    int n = session.terms.frameLimit();
    ByteBuf first = s.frame.retainedSlice(base, n);
    first.setByte(
        FrameHeader.OFF_FLAGS, first.getUnsignedByte(FrameHeader.OFF_FLAGS) | FrameHeader.FLAG_FOLLOWS);
    s.sent = n;
    out.writeFrame(first, null);
    scheduleTurn();
  }

  /** Writes the next fragment of {@code s}; true when it was the last. */
  private boolean writeNext(Sending s) {
    ByteBuf f = s.frame;
    int base = f.readerIndex();
    int n = Math.min(session.terms.frameLimit() - FrameHeader.SIZE, s.size - s.sent);
    boolean last = s.sent + n == s.size;
    ByteBuf header = conn.alloc().ioBuffer(FrameHeader.SIZE);
    FrameHeader.write(
        header,
        f.getUnsignedByte(base + FrameHeader.OFF_TYPE),
        FrameHeader.FLAG_CONTINUED
            | (last ? 0 : FrameHeader.FLAG_FOLLOWS)
            | (f.getUnsignedByte(base + FrameHeader.OFF_FLAGS) & FrameHeader.FLAG_RESPONDER),
        f.getUnsignedByte(base + FrameHeader.OFF_CONTENT),
        f.getInt(base + FrameHeader.OFF_ID),
        0,
        0);
    ByteBuf fragment = Unpooled.wrappedBuffer(header, f.retainedSlice(base + s.sent, n));
    s.sent += n;
    out.writeFrame(fragment, last ? s.listener : null);
    return last;
  }

  private void scheduleTurn() {
    if (!turnScheduled) {
      turnScheduled = true;
      conn.execute(turnTask);
    }
  }

  /** One fragment of each message in progress, as far as the transport takes them. */
  private void turn() {
    turnScheduled = false;
    if (session.isClosed()) {
      return;
    }
    for (int i = sending.size(); i > 0 && conn.isWritable(); i--) {
      Sending s = sending.poll();
      if (writeNext(s)) {
        sendingBytes -= s.size;
        unhold(s);
        s.frame.release();
      } else {
        sending.add(s);
      }
    }
    while (!waiting.isEmpty() && canStart(waiting.peek())) {
      start(waiting.poll());
    }
    out.flushIfDirty();
    if (!sending.isEmpty() && conn.isWritable()) {
      scheduleTurn();
    }
  }

  /** Loop: the transport takes writes again. */
  void resume() {
    if (!sending.isEmpty()) {
      scheduleTurn();
    }
  }

  /** Loop: the session closed; messages not completely sent fail. */
  void failAll(Throwable error) {
    for (ArrayDeque<Sending> q : java.util.List.of(sending, waiting)) {
      for (Sending s; (s = q.poll()) != null; ) {
        unhold(s);
        s.frame.release();
        if (s.listener != null) {
          s.listener.onWritten(error);
        }
      }
    }
    sendingBytes = 0;
  }
}
