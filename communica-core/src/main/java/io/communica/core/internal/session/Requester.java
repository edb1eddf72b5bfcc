package io.communica.core.internal.session;

import io.communica.core.frame.ControlFrames;
import io.netty.buffer.ByteBuf;
import io.netty.util.collection.IntObjectHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The requesting side of a session: request ids, the correlation map from id to the waiting
 * request, and the deadline sweep that times out requests (and items waiting for a full
 * transport). Loop only.
 */
final class Requester {

  /** How often the timeout sweep runs while requests are waiting for replies. */
  static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private final Session session;
  /** The shared empty map until the first request (see {@link IntMaps}). */
  private IntObjectHashMap<PendingRequest<?>> pending = IntMaps.empty();
  /** Made on the first sweep. */
  private @Nullable Runnable sweepTask;
  private int nextId;
  private boolean sweepScheduled;

  Requester(Session session) {
    this.session = session;
  }

  /**
   * The correlation map's key for a request id. Ids are sequential, and Netty's int map hashes a
   * key to itself, so the ids in flight would form one probe cluster that every remove rescans
   * (half the client's time at 256 in flight). An odd multiplier is a bijection on ints that
   * spreads them.
   */
  private static int key(int id) {
    return id * 0x9E3779B1;
  }

  int pendingCount() {
    return pending.size();
  }

  /** Registers a request about to be written; returns its id. */
  int register(PendingRequest<?> p) {
    int id = newId();
    pending = IntMaps.writable(pending, 8);
    pending.put(key(id), p);
    scheduleSweep();
    return id;
  }

  /** An id no request or stream of this side has in flight. */
  int newId() {
    int id;
    do {
      id = ++nextId;
      if (id <= 0) {
        nextId = 0;
        id = ++nextId;
      }
    } while (pending.containsKey(key(id)) || session.streamUses(id));
    return id;
  }

  /** A request was cancelled by its caller: forget it and tell the responder. */
  void cancel(PendingRequest<?> p) {
    if (session.isEstablished() && pending.get(key(p.id)) == p) {
      pending.remove(key(p.id));
      session.out.writeFrame(ControlFrames.cancel(session.alloc(), p.id), null);
      session.out.afterDirectWrite();
    }
  }

  /** A RESPONSE arrived. */
  void onResponse(int id, int flags, int contentType, ByteBuf payload) {
    PendingRequest<?> p = pending.remove(key(id));
    if (p != null) {
      p.complete(flags, contentType, payload);
    }
  }

  /** An ERROR arrived. */
  void onError(int id, int kind, ByteBuf payload) {
    PendingRequest<?> p = pending.remove(key(id));
    if (p != null) {
      p.fail(ErrorCodes.read(kind, payload.duplicate()));
    } else {
      StreamRequester streams = session.streamRequesterIfMade();
      if (streams != null) {
        streams.onError(id, kind, payload);
      }
    }
  }

  void scheduleSweep() {
    if (!sweepScheduled) {
      sweepScheduled = true;
      Runnable task = sweepTask;
      if (task == null) {
        sweepTask = task = this::sweep;
      }
      session.schedule(task, SWEEP_NANOS);
    }
  }

  /** Times out requests waiting for replies, and whatever waits for a full transport. */
  private void sweep() {
    sweepScheduled = false;
    FrameWriter out = session.out;
    Outbox outbox = session.outbox;
    if (session.isClosed() || (pending.isEmpty() && !outbox.hasStalled())) {
      return;
    }
    long now = System.nanoTime();
    List<PendingRequest<?>> expired = null;
    for (PendingRequest<?> p : pending.values()) {
      if (now - p.deadline >= 0) {
        if (expired == null) {
          expired = new ArrayList<>();
        }
        expired.add(p);
      }
    }
    if (expired != null) {
      for (PendingRequest<?> p : expired) {
        pending.remove(key(p.id));
        out.writeFrame(ControlFrames.cancel(session.alloc(), p.id), null);
        p.fail(p.timeoutError());
      }
      out.flushIfDirty();
    }
    outbox.expireStalled(now);
    if (!pending.isEmpty() || outbox.hasStalled()) {
      scheduleSweep();
    }
  }

  /** The connection closed: every request waiting for a reply fails. */
  void failAll(Throwable error) {
    List<PendingRequest<?>> failed = new ArrayList<>(pending.values());
    pending.clear();
    for (PendingRequest<?> p : failed) {
      p.fail(error);
    }
  }
}
