package io.communica.core.internal.session;

import io.communica.core.transport.ConnectionHandler;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.FrameListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One end of an in-memory pair of {@link FrameConnection}s, each with a single-thread loop: flushed
 * frames are delivered to the other end's listener on its loop. For session tests that need no
 * socket. On a Netty {@link EventExecutor} it is a connection of that loop, as a socket's is of
 * its event loop ({@link #inLoop}, {@link #eventLoop}).
 */
final class PipeConnection implements FrameConnection {

  private final ScheduledExecutorService loop;
  private final String name;
  private @Nullable PipeConnection peer;
  private @Nullable FrameListener listener;
  private final List<ByteBuf> unflushed = new ArrayList<>();
  private boolean closed;

  private PipeConnection(ScheduledExecutorService loop, String name) {
    this.loop = loop;
    this.name = name;
  }

  /** Connects two ends, each set up by its handler on its own loop. */
  static void pair(
      ScheduledExecutorService loopA, ConnectionHandler a, ScheduledExecutorService loopB,
      ConnectionHandler b) throws Exception {
    PipeConnection ca = new PipeConnection(loopA, "a");
    PipeConnection cb = new PipeConnection(loopB, "b");
    ca.peer = cb;
    cb.peer = ca;
    loopB.submit(() -> cb.listener = b.onConnection(cb)).get();
    loopA.submit(() -> ca.listener = a.onConnection(ca)).get();
  }

  /** On a Netty executor, the caller's thread may be the loop's; other executors never say so. */
  @Override
  public boolean inLoop() {
    return loop instanceof EventExecutor e && e.inEventLoop();
  }

  /** A Netty executor is a loop of its own thread: the session's keep-alive uses its timer. */
  @Override
  public @Nullable Object eventLoop() {
    return loop instanceof EventExecutor ? loop : null;
  }

  @Override
  public void execute(Runnable task) {
    loop.execute(task);
  }

  @Override
  public Future<?> schedule(Runnable task, long delay, TimeUnit unit) {
    return loop.schedule(task, delay, unit);
  }

  @Override
  public void write(ByteBuf frame) {
    unflushed.add(frame);
  }

  @Override
  public void flush() {
    List<ByteBuf> frames = new ArrayList<>(unflushed);
    unflushed.clear();
    PipeConnection p = peer;
    p.execute(() -> p.receive(frames));
  }

  private void receive(List<ByteBuf> frames) {
    for (ByteBuf f : frames) {
      try {
        if (!closed && listener != null) {
          listener.onFrame(f);
        }
      } finally {
        f.release();
      }
    }
    if (!closed && listener != null) {
      listener.onReadComplete();
    }
  }

  @Override
  public boolean isWritable() {
    return true;
  }

  @Override
  public ByteBufAllocator alloc() {
    return ByteBufAllocator.DEFAULT;
  }

  @Override
  public void close() {
    execute(this::closeHere);
    PipeConnection p = peer;
    p.execute(p::closeHere);
  }

  private void closeHere() {
    if (!closed) {
      closed = true;
      unflushed.forEach(ByteBuf::release);
      unflushed.clear();
      if (listener != null) {
        listener.onClosed(null);
      }
    }
  }

  @Override
  public String remoteAddress() {
    return "pipe-" + name;
  }
}
