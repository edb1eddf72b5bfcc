package io.communica.core.internal.session;

import io.communica.core.transport.FrameConnection;
import org.jspecify.annotations.Nullable;

/**
 * What a connection's transport holds unsent past its high-water mark, counted on the memory
 * budget: the write-ahead of callers' items ({@link FrameConnection#writeAhead}) and whatever the
 * loop writes while the transport is full (replies, pongs). Loop-confined.
 */
final class TransportHold {

  /**
   * What the transport counts per item besides its bytes (Netty's outbound entry and the length
   * prefix), reserved with each item written ahead so that {@link #full} finds it counted.
   */
  private static final int ENTRY_OVERHEAD = 128;

  private final Session session;
  private final FrameConnection conn;
  private final long maxQueuedBytes;
  /** Bytes the transport holds unsent that are counted on the memory budget. */
  private long counted;

  TransportHold(Session session, FrameConnection conn, long maxQueuedBytes) {
    this.session = session;
    this.conn = conn;
    this.maxQueuedBytes = maxQueuedBytes;
  }

  /**
   * Whether an item of {@code size} bytes may be written now: the transport takes writes, or it
   * holds less than its write-ahead (at most half the queue bound, so that replies keep room before
   * {@link #full} closes the connection), the item is one frame (large messages go to the
   * fragmenter, which waits for the mark), and the memory budget takes what the transport will
   * then hold. Past the mark what the transport holds is counted before the item is written
   * (brought to what it holds now plus the item, up or down), so that {@link #full} finds it
   * counted; a budget without room stops the write-ahead (the item waits for the transport) and
   * sheds no other connection for it.
   */
  boolean takes(int size) {
    if (conn.isWritable()) {
      return true;
    }
    long ahead = Math.min(conn.writeAhead(), maxQueuedBytes / 2);
    if (ahead <= 0 || size > session.terms.frameLimit()) {
      return false;
    }
    long target = conn.pendingWriteBytes() + size + ENTRY_OVERHEAD;
    if (target > ahead) {
      return false;
    }
    long more = target - counted;
    if (more > 0) {
      if (!session.account.tryReserve(more)) {
        return false;
      }
    } else {
      session.account.release(-more);
    }
    counted = target;
    return true;
  }

  /**
   * The transport is past its mark after a write: what it holds is counted. Replies and pongs are
   * written on the loop whatever the socket's state, so a peer that keeps sending but does not read
   * would make them pile up without end. Returns why the connection must close (past the queue
   * bound, or the budget cannot take it), or null.
   */
  @Nullable String full() {
    long pending = conn.pendingWriteBytes();
    if (pending > maxQueuedBytes) {
      return "more than " + maxQueuedBytes + " bytes were waiting";
    }
    if (pending > counted) {
      if (!session.account.reserve(pending - counted)) {
        return session.account.overBudget();
      }
      counted = pending;
    }
    return null;
  }

  /** The transport takes writes again: what it holds is below its low-water mark, not counted. */
  void writable() {
    if (counted != 0) {
      session.account.release(counted);
      counted = 0;
    }
  }
}
