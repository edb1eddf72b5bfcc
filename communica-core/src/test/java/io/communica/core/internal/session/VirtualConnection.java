package io.communica.core.internal.session;

import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.communica.core.transport.ConnectionHandler;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.FrameListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A {@link FrameConnection} on virtual time, driven by the test's thread: tasks run when the test
 * advances the clock past their due time, and written frames are kept for the test to read. For
 * timing checks that must not depend on how busy the machine is.
 */
final class VirtualConnection implements FrameConnection {

  private record Timed(long due, long seq, Runnable task, CompletableFuture<Void> future) {}

  private final PriorityQueue<Timed> timers =
      new PriorityQueue<>(
          (a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
  private final List<ByteBuf> written = new ArrayList<>();
  private final ByteBufAllocator alloc = new UnpooledByteBufAllocator(false);
  private long now;
  private long seq;
  private @Nullable FrameListener listener;
  private long closedAt = -1;
  private int framesSinceFlush;
  private final List<Integer> flushes = new ArrayList<>();
  private final java.util.ArrayDeque<Runnable> tasks = new java.util.ArrayDeque<>();
  private boolean foreign;

  /** Opens the connection, at virtual time 0, with the listener {@code handler} sets up. */
  void open(ConnectionHandler handler) {
    listener = handler.onConnection(this);
  }

  /** The virtual clock, in nanoseconds. */
  long now() {
    return now;
  }

  /** Virtual time at which the connection was closed, or -1. */
  long closedAt() {
    return closedAt;
  }

  /** Delivers one frame (released afterwards) and the end of its read burst. */
  void receive(ByteBuf frame) {
    receiveBurst(List.of(frame));
  }

  /**
   * A client's HELLO as the tests send it: {@code clientId}, 1 MiB messages, 64 KiB frames and
   * the keep-alive interval {@code keepAliveMs}, no credentials.
   */
  static ByteBuf hello(String clientId, int keepAliveMs) {
    byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
    ByteBuf b = Unpooled.buffer();
    FrameHeader.write(b, FrameType.HELLO, 0, 0, 0, 0, 0);
    b.writeInt(1 << 20).writeInt(64 * 1024).writeInt(keepAliveMs);
    b.writeShort(id.length).writeBytes(id).writeShort(0).writeInt(0);
    return b;
  }

  /** Delivers {@code frames} (released afterwards) as one read burst: one end of burst after all. */
  void receiveBurst(List<ByteBuf> frames) {
    for (ByteBuf frame : frames) {
      try {
        listener.onFrame(frame);
      } finally {
        frame.release();
      }
    }
    listener.onReadComplete();
  }

  /** How many frames each flush since the last call passed on (flushes that passed on no frame are not listed). */
  List<Integer> takeFlushes() {
    List<Integer> copy = new ArrayList<>(flushes);
    flushes.clear();
    return copy;
  }

  /** Moves the clock forward by {@code nanos}, running every task due meanwhile. */
  void advance(long nanos) {
    long until = now + nanos;
    while (!timers.isEmpty() && timers.peek().due <= until) {
      Timed t = timers.poll();
      now = Math.max(now, t.due);
      if (!t.future.isCancelled()) {
        t.task.run();
      }
    }
    now = until;
  }

  /** The frames written so far, handed to the caller (who releases them). */
  List<ByteBuf> takeWritten() {
    List<ByteBuf> copy = new ArrayList<>(written);
    written.clear();
    return copy;
  }

  /**
   * Whether the caller plays another thread than the connection's loop: {@link #inLoop} is then
   * false and tasks handed to {@link #execute} wait for {@link #runTasks}.
   */
  void foreign(boolean foreign) {
    this.foreign = foreign;
  }

  /** Runs, as the loop, the tasks handed over while {@link #foreign}. */
  void runTasks() {
    boolean was = foreign;
    foreign = false;
    try {
      Runnable t;
      while ((t = tasks.poll()) != null) {
        t.run();
      }
    } finally {
      foreign = was;
    }
  }

  @Override
  public boolean inLoop() {
    return !foreign;
  }

  @Override
  public void execute(Runnable task) {
    if (foreign) {
      tasks.add(task);
    } else {
      task.run();
    }
  }

  @Override
  public Future<?> schedule(Runnable task, long delay, TimeUnit unit) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    timers.add(new Timed(now + unit.toNanos(delay), seq++, task, f));
    return f;
  }

  @Override
  public void write(ByteBuf frame) {
    if (closedAt >= 0) {
      frame.release();
    } else {
      written.add(frame);
      framesSinceFlush++;
    }
  }

  @Override
  public void flush() {
    if (framesSinceFlush > 0) {
      flushes.add(framesSinceFlush);
      framesSinceFlush = 0;
    }
  }

  @Override
  public boolean isWritable() {
    return true;
  }

  @Override
  public ByteBufAllocator alloc() {
    return alloc;
  }

  @Override
  public void close() {
    if (closedAt < 0) {
      closedAt = now;
      listener.onClosed(null);
    }
  }

  @Override
  public String remoteAddress() {
    return "virtual";
  }
}
