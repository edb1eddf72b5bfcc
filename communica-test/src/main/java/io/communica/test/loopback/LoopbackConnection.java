package io.communica.test.loopback;

import io.communica.core.frame.FrameException;
import io.communica.core.frame.LengthCodec;
import io.communica.core.transport.ConnectionHandler;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.FrameListener;
import io.communica.core.transport.TransportOptions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * One side of an in-JVM connection. Frames written on one side are copied into fresh buffers and,
 * on flush, handed to the other side's loop, which checks each frame's
 * length and delivers it to its listener. Closing one side closes the other after the frames
 * already flushed to it, as a stream socket delivers its data before the end of the stream.
 */
final class LoopbackConnection implements FrameConnection {

  /** Bytes sent and not yet taken by the peer above which a side is not writable. */
  static final int HIGH_WATER_MARK = 512 * 1024;

  /** Bytes in flight below which a side that was not writable is writable again. */
  static final int LOW_WATER_MARK = 128 * 1024;

  private static final class Loops {
    static final DefaultEventExecutorGroup GROUP =
        new DefaultEventExecutorGroup(
            2 * Runtime.getRuntime().availableProcessors(),
            new DefaultThreadFactory("communica-loopback", true));
  }

  private static final Logger log = LoggerFactory.getLogger(LoopbackConnection.class);

  private final String address;
  private final int maxFrameSize;
  private final EventExecutor loop = Loops.GROUP.next();
  private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;

  /**
   * Where the copies of frames in flight are made: plain heap buffers that Netty's leak detector
   * does not follow, since this class releases each one itself once the listener returned (a
   * listener that keeps a frame retains it, and a leak there is the listener's, which {@code
   * TrackedConnector} catches in the contract suite). Under the detector's paranoid level a
   * tracked copy per frame would slow long tests several times over.
   */
  private static final ByteBufAllocator COPIES = new UnpooledByteBufAllocator(false, true);
  private @Nullable LoopbackConnection peer;
  private @Nullable FrameListener listener;

  // loop only
  private final List<ByteBuf> outbox = new ArrayList<>();
  private boolean closed;

  /** Frames the peer flushed to this side, taken by one drain task at a time on this loop. */
  private final Queue<ByteBuf> inbox = new ConcurrentLinkedQueue<>();

  private final AtomicBoolean draining = new AtomicBoolean();
  private final AtomicLong inFlight = new AtomicLong();
  private volatile boolean unwritable;
  private final AtomicBoolean closing = new AtomicBoolean();

  private LoopbackConnection(String address, TransportOptions options) {
    this.address = address;
    this.maxFrameSize = options.maxFrameSize();
  }

  /**
   * Opens a connection between a server and a client: each handler runs on its side's loop before
   * anything else there; completes with the client's side once its handler returned.
   */
  static Mono<FrameConnection> open(
      String address,
      TransportOptions serverOptions,
      ConnectionHandler serverHandler,
      TransportOptions clientOptions,
      ConnectionHandler clientHandler) {
    LoopbackConnection server = new LoopbackConnection(address, serverOptions);
    LoopbackConnection client = new LoopbackConnection(address, clientOptions);
    server.peer = client;
    client.peer = server;
    server.loop.execute(() -> server.start(serverHandler));
    return Mono.create(
        sink ->
            client.loop.execute(
                () -> {
                  Throwable failed = client.start(clientHandler);
                  if (failed == null) {
                    sink.success(client);
                  } else {
                    sink.error(failed);
                  }
                }));
  }

  /** Runs the handler; a handler that fails closes the connection, as the stream transports do. */
  private @Nullable Throwable start(ConnectionHandler handler) {
    try {
      listener = handler.onConnection(this);
      return null;
    } catch (RuntimeException | Error e) {
      log.warn("the connection handler of {} failed", address, e);
      closeOnLoop();
      return e;
    }
  }

  private LoopbackConnection peer() {
    LoopbackConnection p = peer;
    if (p == null) {
      throw new IllegalStateException("not connected");
    }
    return p;
  }

  // ---------------------------------------------------------------- writing

  @Override
  public void write(ByteBuf frame) {
    if (closed) {
      frame.release();
      return;
    }
    int n = frame.readableBytes();
    ByteBuf copy;
    try {
      copy = COPIES.heapBuffer(n);
      copy.writeBytes(frame, frame.readerIndex(), n);
    } finally {
      frame.release();
    }
    outbox.add(copy);
    if (inFlight.addAndGet(n) > HIGH_WATER_MARK && !unwritable) {
      unwritable = true;
      if (inFlight.get() < LOW_WATER_MARK) {
        // the peer took it all meanwhile and may have missed the flag
        loop.execute(this::checkWritable);
      }
    }
  }

  @Override
  public void flush() {
    if (outbox.isEmpty() || closed) {
      return;
    }
    LoopbackConnection to = peer();
    to.inbox.addAll(outbox);
    outbox.clear();
    // one drain task at a time: frames flushed while the peer is busy join the pending one, as
    // bytes on a socket wait for one read
    if (to.draining.compareAndSet(false, true)) {
      to.loop.execute(to::drain);
    }
  }

  @Override
  public boolean isWritable() {
    return !unwritable;
  }

  @Override
  public long pendingWriteBytes() {
    return inFlight.get();
  }

  private void checkWritable() {
    if (unwritable && inFlight.get() < LOW_WATER_MARK) {
      unwritable = false;
      FrameListener l = listener;
      if (!closed && l != null) {
        l.onWritable();
      }
    }
  }

  // ---------------------------------------------------------------- reading, on this side's loop

  private void drain() {
    LoopbackConnection from = peer();
    do {
      long taken = 0;
      for (ByteBuf frame; (frame = inbox.poll()) != null; ) {
        taken += frame.readableBytes();
        try {
          deliver(frame);
        } finally {
          frame.release();
        }
      }
      from.inFlight.addAndGet(-taken);
      if (from.unwritable) {
        from.loop.execute(from::checkWritable);
      }
      draining.set(false);
      // frames flushed after the last poll and before the flag dropped are ours to take
    } while (!inbox.isEmpty() && draining.compareAndSet(false, true));
    FrameListener l = listener;
    if (!closed && l != null) {
      l.onReadComplete();
    }
  }

  private void deliver(ByteBuf frame) {
    FrameListener l = listener;
    if (closed || l == null) {
      return;
    }
    try {
      LengthCodec.checkLength(frame.readableBytes(), maxFrameSize);
    } catch (FrameException e) {
      l.onProtocolError(e.getMessage());
      closeOnLoop();
      return;
    }
    l.onFrame(frame);
  }

  // ---------------------------------------------------------------- closing

  @Override
  public void close() {
    if (closing.compareAndSet(false, true)) {
      loop.execute(this::closeOnLoop);
    }
  }

  private void closeOnLoop() {
    if (closed) {
      return;
    }
    closing.set(true);
    closed = true;
    outbox.forEach(ByteBuf::release);
    outbox.clear();
    LoopbackConnection to = peer();
    to.loop.execute(to::closeOnLoop);
    FrameListener l = listener;
    if (l != null) {
      l.onClosed(null);
    }
  }

  // ---------------------------------------------------------------- the rest

  @Override
  public boolean inLoop() {
    return loop.inEventLoop();
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
  public ByteBufAllocator alloc() {
    return alloc;
  }

  @Override
  public String remoteAddress() {
    return address;
  }

  @Override
  public String toString() {
    return "LoopbackConnection[" + address + "]";
  }
}
