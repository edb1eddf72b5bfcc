package io.communica.test;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * An allocator that remembers every buffer it made until it is released, so that a test can
 * assert, right after it closed what it started, that nothing it allocated is still held: a leak
 * fails the test that caused it, without waiting for the garbage collector as Netty's leak detector
 * must.
 *
 * <p>Buffers are unpooled: a pooled buffer object is recycled and could be handed to someone else
 * while still remembered here. Each allocation records its thread; with the system property
 * {@value #TRACES_PROPERTY}{@code =true} it records its stack trace too, which the failure message
 * then shows (off by default: a trace per frame slows a long test several times).
 *
 * <p>{@link TrackedConnector} gives this allocator to every connection of a transport under test.
 * Thread-safe.
 */
public final class LeakTracker extends AbstractByteBufAllocator {

  /** System property that turns allocation stack traces on ({@code true}). */
  public static final String TRACES_PROPERTY = "communica.test.leakTraces";

  private static final int PURGE_EVERY = 4096;

  private final boolean traces = Boolean.getBoolean(TRACES_PROPERTY);
  /** Each live buffer and where it was allocated: a stack trace, or the thread's name. */
  private final Map<ByteBuf, Object> live = new IdentityHashMap<>();
  private int sincePurge;

  /**
   * A tracker that gives heap buffers unless direct ones are asked for: an unpooled direct buffer
   * per frame costs more than the copy a transport makes of a heap one.
   */
  public LeakTracker() {
    super(false);
  }

  @Override
  protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
    return track(new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity));
  }

  @Override
  protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
    return track(new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity));
  }

  @Override
  public CompositeByteBuf compositeHeapBuffer(int maxNumComponents) {
    return track(super.compositeHeapBuffer(maxNumComponents));
  }

  @Override
  public CompositeByteBuf compositeDirectBuffer(int maxNumComponents) {
    return track(super.compositeDirectBuffer(maxNumComponents));
  }

  @Override
  public boolean isDirectBufferPooled() {
    return false;
  }

  private <T extends ByteBuf> T track(T buf) {
    Object where = traces ? new Throwable("allocated here") : Thread.currentThread().getName();
    synchronized (live) {
      live.put(buf, where);
      if (++sincePurge >= PURGE_EVERY) {
        sincePurge = 0;
        live.keySet().removeIf(b -> b.refCnt() == 0);
      }
    }
    return buf;
  }

  /**
   * The buffers allocated and not yet released, with where each was allocated: its stack trace
   * when traces are on, else the name of the thread.
   */
  public List<Map.Entry<ByteBuf, Object>> unreleased() {
    synchronized (live) {
      live.keySet().removeIf(b -> b.refCnt() == 0);
      return new ArrayList<>(live.entrySet());
    }
  }

  /**
   * Fails unless every buffer allocated so far has been released within {@code patience}, the time
   * that work already handed to other threads (a handler's, a closing connection's loop) may take
   * to let go; forgets them all either way, so that one leak fails one test.
   *
   * @throws AssertionError naming each unreleased buffer and where it was allocated
   */
  public void assertAllReleased(Duration patience) throws InterruptedException {
    long deadline = System.nanoTime() + patience.toNanos();
    List<Map.Entry<ByteBuf, Object>> left = unreleased();
    // nothing signals a release: look again a few times until the deadline
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
      left = unreleased();
    }
    synchronized (live) {
      live.clear();
    }
    if (!left.isEmpty()) {
      AssertionError e =
          new AssertionError(
              left.size()
                  + " buffer(s) allocated for this test are still unreleased "
                  + patience.toMillis()
                  + " ms after it closed everything; the first: "
                  + describe(left.get(0).getKey()));
      for (Map.Entry<ByteBuf, Object> leak : left.subList(0, Math.min(5, left.size()))) {
        e.addSuppressed(
            leak.getValue() instanceof Throwable trace
                ? trace
                : new Throwable(
                    "allocated on thread "
                        + leak.getValue()
                        + " (-D"
                        + TRACES_PROPERTY
                        + "=true records where)",
                    null,
                    false,
                    false) {});
      }
      throw e;
    }
  }

  private static String describe(ByteBuf buf) {
    return buf.getClass().getSimpleName()
        + "(refCnt: "
        + buf.refCnt()
        + ", capacity: "
        + buf.capacity()
        + ", readable: "
        + buf.readableBytes()
        + ")";
  }

  @Override
  public String toString() {
    synchronized (live) {
      return "LeakTracker[" + live.size() + " tracked]";
    }
  }
}
