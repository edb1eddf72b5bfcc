package io.communica.core.internal.session;

import io.communica.core.frame.FrameException;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The receiving side of fragmentation: the messages whose fragments are arriving, each keyed by its
 * frame type and id, since fragments of different messages interleave. Bounded: at most {@value
 * #MAX_PARTIAL} partial messages, each within the maximum message size, and together within
 * {@link #budget}; every fragment but the last carries at least {@value #MIN_FRAGMENT} bytes, so
 * that a message cannot be made of endless empty fragments. Each partial message grows one buffer
 * with the bytes received, holding no reference to the read buffers the fragments came in.
 */
final class Reassembly {

  /** Partial messages a receiver holds at once. */
  static final int MAX_PARTIAL = 8;

  /** Least payload of a fragment that is not the last. */
  static final int MIN_FRAGMENT = 1024;

  /** A message being reassembled, and once complete, what is dispatched. */
  static final class Partial {
    final int type;
    final int id;
    final int flags;
    final int contentType;
    final int error;
    final byte[] route;
    ByteBuf payload;
    /** Bytes of the payload's capacity reserved from the memory budget. */
    long reserved;
    /** Whether the payload's capacity is counted in {@link #HEAP_PARTIALS} (a heap buffer's). */
    boolean onHeap;

    Partial(int type, int id, int flags, int contentType, int error, byte[] route, ByteBuf payload) {
      this.type = type;
      this.id = id;
      this.flags = flags;
      this.contentType = contentType;
      this.error = error;
      this.route = route;
      this.payload = payload;
    }
  }

  private final ByteBufAllocator alloc;
  private final MemoryBudget.Account account;
  private final int maxMessage;
  private final long budget;
  private final List<Partial> partials = new ArrayList<>(0);
  private long total;

  Reassembly(ByteBufAllocator alloc, MemoryBudget.Account account, int maxMessage) {
    this.alloc = alloc;
    this.account = account;
    this.maxMessage = maxMessage;
    this.budget = budget(maxMessage);
  }

  /** Bytes of partial messages a receiver with this maximum message size holds at once. */
  static long budget(int maxMessage) {
    return 2L * maxMessage;
  }

  /** The first fragment of a message (flag FOLLOWS, not CONTINUED). */
  void begin(
      int type, int id, int flags, int contentType, int error, byte[] route, ByteBuf src, int from,
      int n) {
    if (find(type, id, flags) != null) {
      throw new FrameException(
          "a second first fragment of " + FrameType.name(type) + " " + id + " while one is open");
    }
    if (partials.size() >= MAX_PARTIAL) {
      throw new FrameException("more than " + MAX_PARTIAL + " fragmented messages at once");
    }
    checkFragment(n, true);
    if (n > maxMessage) {
      throw new FrameException("message exceeds the maximum message size of " + maxMessage);
    }
    reserve(n);
    int capacity = Math.min(4 * n, maxMessage);
    take(capacity);
    // past what Netty pools (a frame size above 1 MiB), on the heap as for a growing message
    boolean heap = capacity > Frames.LARGE && heapAllows(capacity);
    ByteBuf payload;
    try {
      payload =
          heap ? alloc.heapBuffer(capacity, maxMessage) : alloc.buffer(capacity, maxMessage);
    } catch (OutOfMemoryError e) {
      account.release(capacity);
      if (heap) {
        HEAP_PARTIALS.addAndGet(-capacity);
      }
      throw e;
    }
    payload.writeBytes(src, from, n);
    Partial p = new Partial(type, id, flags, contentType, error, route, payload);
    p.reserved = capacity;
    p.onHeap = heap;
    partials.add(p);
  }

  /**
   * A later fragment (flag CONTINUED); returns the message when this was its last fragment, which
   * the caller dispatches and then releases, else null.
   */
  @Nullable Partial append(int type, int id, int flags, ByteBuf src, int from, int n) {
    boolean follows = (flags & FrameHeader.FLAG_FOLLOWS) != 0;
    Partial p = find(type, id, flags);
    if (p == null) {
      throw new FrameException(
          "fragment of " + FrameType.name(type) + " " + id + " without a first fragment");
    }
    if (p.payload.readableBytes() + (long) n > maxMessage) {
      throw new FrameException(
          "fragmented message exceeds the maximum message size of " + maxMessage);
    }
    checkFragment(n, follows);
    reserve(n);
    ByteBuf payload = p.payload;
    if (payload.writableBytes() < n) {
      // the buffer grows: the budget takes the growth first
      int grown = alloc.calculateNewCapacity(payload.writerIndex() + n, maxMessage);
      take(grown - payload.capacity());
      p.reserved += grown - payload.capacity();
      if (p.onHeap) {
        HEAP_PARTIALS.addAndGet(grown - payload.capacity());
        payload.capacity(grown);
      } else if (grown > Frames.LARGE && payload.isDirect() && heapAllows(grown)) {
        try {
          payload = onHeap(payload, grown);
        } catch (RuntimeException | OutOfMemoryError e) {
          HEAP_PARTIALS.addAndGet(-grown);
          throw e;
        }
        p.payload = payload;
        p.onHeap = true;
      } else {
        payload.capacity(grown);
      }
    }
    payload.writeBytes(src, from, n);
    if (follows) {
      return null;
    }
    partials.remove(p);
    total -= payload.readableBytes();
    account.release(p.reserved);
    leaveHeap(p);
    return p;
  }

  private static void checkFragment(int n, boolean follows) {
    if (follows && n < MIN_FRAGMENT) {
      throw new FrameException(
          "non-final fragment of " + n + " bytes; fragments carry at least " + MIN_FRAGMENT);
    }
  }

  /**
   * Bytes of unfinished messages held on the heap by every connection of the process. Their memory
   * is bounded by the budget as before, but the budget is sized from direct memory: past {@link
   * #HEAP_ALLOWANCE} a growing message stays in direct buffers, so that peers that never finish
   * their messages cannot fill the heap.
   */
  private static final AtomicLong HEAP_PARTIALS = new AtomicLong();

  /** A quarter of the heap, for {@link #HEAP_PARTIALS}. */
  static final long HEAP_ALLOWANCE = Runtime.getRuntime().maxMemory() / 4;

  /** Takes {@code capacity} bytes of the heap allowance; false when they would exceed it. */
  private static boolean heapAllows(long capacity) {
    if (HEAP_PARTIALS.addAndGet(capacity) <= HEAP_ALLOWANCE) {
      return true;
    }
    HEAP_PARTIALS.addAndGet(-capacity);
    return false;
  }

  /**
   * The message left the reassembly (finished, or dropped before its buffer is released): its
   * heap share goes back.
   */
  private static void leaveHeap(Partial p) {
    if (p.onHeap) {
      HEAP_PARTIALS.addAndGet(-p.payload.capacity());
      p.onHeap = false;
    }
  }

  /** Bytes of unfinished messages on the heap, process-wide (for tests). */
  static long heapPartials() {
    return HEAP_PARTIALS.get();
  }

  /**
   * The message so far in a heap buffer of {@code capacity} bytes, {@code direct} released. Past
   * {@link Frames#LARGE} Netty's allocator no longer pools, and a new direct buffer is zeroed by
   * the JDK on top of the page faults of fresh memory: a 16 MiB message grown through direct
   * buffers cost its receiver about a hundred milliseconds of that on a VM (most of the time of a
   * round trip), where the heap's pages are in use already.
   */
  private ByteBuf onHeap(ByteBuf direct, int capacity) {
    ByteBuf heap = alloc.heapBuffer(capacity, maxMessage);
    heap.writeBytes(direct, direct.readerIndex(), direct.readableBytes());
    direct.release();
    return heap;
  }

  /** Takes {@code n} bytes from the memory budget before they are allocated. */
  private void take(long n) {
    if (!account.reserve(n)) {
      throw new MemoryBudget.Refused(account.overBudget());
    }
  }

  private void reserve(int n) {
    if (total + n > budget) {
      throw new FrameException(
          "fragmented messages in progress exceed " + budget + " bytes");
    }
    total += n;
  }

  /**
   * The message of this type and id; a NEXT's direction (flag RESPONDER) is part of its name,
   * since a channel's two directions share the stream id.
   */
  private @Nullable Partial find(int type, int id, int flags) {
    for (Partial p : partials) {
      if (p.id == id
          && p.type == type
          && ((p.flags ^ flags) & FrameHeader.FLAG_RESPONDER) == 0) {
        return p;
      }
    }
    return null;
  }

  /** The connection closed: drops every partial message. */
  void releaseAll() {
    for (Partial p : partials) {
      leaveHeap(p);
      p.payload.release();
      account.release(p.reserved);
    }
    partials.clear();
    total = 0;
  }
}
