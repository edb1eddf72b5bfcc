package io.communica.bench.stacks;

import java.util.concurrent.locks.LockSupport;

/**
 * Holds a fire-and-forget sender within a bounded backlog: at most {@code limit} messages sent and
 * not yet counted as received by the server. When the backlog is full the sender asks the server
 * for its count over the control connection, and waits until there is room. Used by one sending
 * thread.
 *
 * <p>On a lossy transport the bound is looser: what was sent before the previous look and is not
 * counted is written off as lost, slow or not, so the sender may send about {@code limit} messages
 * every two looks (two control round trips); what it holds in memory is then bounded by the
 * stack's own send window, not by this backlog.
 */
public final class Backlog {

  /** Bytes of payload a sender may have on the way: 8 MiB. */
  public static final long DEFAULT_BYTES = 8L * 1024 * 1024;

  private final long limit;
  private final BenchClient control;
  private final Meter meter;
  private final boolean lossy;
  private long sent;
  private long received;
  private long sentAtLastLook;

  /** A backlog of {@code bytes} worth of {@code payload}-byte messages (at least 256 messages). */
  public Backlog(long bytes, int payload, BenchClient control, Meter meter) {
    this(bytes, payload, control, meter, false);
  }

  /**
   * A backlog as above; {@code lossy} for a transport that may drop messages (UDP): at each look at
   * the server's count, what was sent before the previous look and is still not counted was lost
   * (it had a whole control round trip to arrive) and no longer holds the sender back.
   *
   * <p>An earlier rule wrote the missing messages off only when the count had not moved since the
   * last look. The count is the server's total, so every look brought back the whole loss so far:
   * once a cold warm-up had lost fewer messages than the limit, the sender was left a room of
   * {@code limit - loss} messages, those arrived, the count moved, nothing was written off, and the
   * case trickled along at a few messages per look for its whole window (8.6 k messages a second in
   * two rounds of a full run, 358 k in the third).
   */
  public Backlog(long bytes, int payload, BenchClient control, Meter meter, boolean lossy) {
    this.limit = Math.max(256, bytes / Math.max(1, payload));
    this.control = control;
    this.meter = meter;
    this.lossy = lossy;
  }

  /** The most messages the backlog holds. */
  public long limit() {
    return limit;
  }

  /**
   * How many of {@code wanted} messages may be sent now: at least one, after waiting for the server
   * while the backlog is full; 0 once the meter is stopped.
   */
  public int permits(int wanted) throws Exception {
    while (true) {
      long room = limit - (sent - received);
      if (room > 0) {
        return (int) Math.min(wanted, room);
      }
      if (meter.stopped()) {
        return 0;
      }
      long count = control.serverSnapshot().count();
      received = lossy ? Math.max(count, sentAtLastLook) : count;
      sentAtLastLook = sent;
      if (limit - (sent - received) <= 0) {
        LockSupport.parkNanos(20_000);
      }
    }
  }

  /** Records that {@code n} messages were handed to the transport. */
  public void sent(int n) {
    sent += n;
  }
}
