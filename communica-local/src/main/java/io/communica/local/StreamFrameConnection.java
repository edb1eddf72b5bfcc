package io.communica.local;

import io.communica.core.frame.FrameBatch;
import io.communica.core.frame.FrameException;
import io.communica.core.frame.LengthCodec;
import io.communica.core.transport.AdmissionCheck;
import io.communica.core.transport.ConnectionHandler;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.FrameListener;
import io.communica.core.transport.PeerCredentials;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link FrameConnection} over a pair of blocking streams: a child process's pipes, this
 * process's standard input and output, or a junixsocket socket.
 *
 * <p>Three threads: the <em>loop</em> (a single-threaded scheduled executor, on which every
 * listener callback runs), a reader that fills chunks from the input stream and hands them to the
 * loop, and a writer that drains flushed frames to the output stream. Everything is bounded:
 *
 * <ul>
 *   <li>at most {@link #READ_AHEAD} chunks of {@link #CHUNK} bytes are read ahead of the loop; when
 *       the loop is behind, the reader stops reading and the peer's writes block in the pipe;
 *   <li>the loop's partial-frame buffer holds at most one frame, whose length prefix is checked
 *       against the maximum frame size before any of it is kept — the same checks as the Netty
 *       pipeline of the socket transports, so bad input is a protocol error, never an allocation
 *       sized by the peer;
 *   <li>flushed bytes waiting for the writer turn {@link #isWritable()} false above {@link
 *       #HIGH_WATER} and back true below {@link #LOW_WATER}, which the session respects.
 * </ul>
 */
final class StreamFrameConnection implements FrameConnection {

  private static final Logger log = LoggerFactory.getLogger(StreamFrameConnection.class);

  static final int CHUNK = 64 * 1024;
  static final int READ_AHEAD = 4;
  static final long HIGH_WATER = 1024 * 1024;
  static final long LOW_WATER = 256 * 1024;

  /** The two ends of the byte stream and what to do when it ends. */
  interface Endpoint {
    InputStream input();

    OutputStream output();

    /** For log lines and {@link FrameConnection#remoteAddress()}. */
    String describe();

    default @Nullable PeerCredentials credentials() {
      return null;
    }

    /** Who may connect, for a server's connections. */
    default AdmissionCheck admission() {
      return AdmissionCheck.ALLOW_ALL;
    }

    /**
     * Why the input ended (the exit code of a child, say), or null for a plain close; called on
     * the reader thread, may wait a little. {@code error} is the read error, null at end of
     * stream.
     */
    @Nullable Throwable endCause(@Nullable IOException error);

    /** Releases what is left (closes a socket, ends a child) after the writer stopped. */
    void release();
  }

  /** Tells the writer to close the output after what is queued before it. */
  private static final ByteBuf END = Unpooled.EMPTY_BUFFER;

  /** Set by the writer thread when it stops; flushes after that release what they queue. */
  private volatile boolean writerGone;

  private final Endpoint endpoint;
  private final int maxFrameSize;
  private final ScheduledThreadPoolExecutor loop;
  private volatile @Nullable Thread loopThread;
  private final Semaphore readPermits = new Semaphore(READ_AHEAD);
  /**
   * Chunks read and not yet taken by the loop. A task handed to the loop's executor while it shuts
   * down may be dropped without an error (a scheduled executor cancels what it queued after its
   * shutdown), so chunks travel here and whoever sees the connection terminated releases them.
   */
  private final Queue<ByteBuf> readChunks = new ConcurrentLinkedQueue<>();
  private final LinkedBlockingQueue<ByteBuf> writeQueue = new LinkedBlockingQueue<>();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
  private volatile boolean writable = true;
  private volatile boolean terminated;

  // loop only
  private @Nullable FrameListener listener;
  private @Nullable ByteBuf cumulation;
  private final ArrayDeque<ByteBuf> unflushed = new ArrayDeque<>();
  private final FrameBatch batch = FrameBatch.to(alloc, unflushed::add);
  private boolean failed;

  private StreamFrameConnection(Endpoint endpoint, int maxFrameSize, String threadName) {
    this.endpoint = endpoint;
    this.maxFrameSize = maxFrameSize;
    this.loop =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, threadName + "-loop");
              t.setDaemon(true);
              loopThread = t;
              return t;
            });
    loop.setRemoveOnCancelPolicy(true);
    loop.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  /**
   * Opens a connection over {@code endpoint}: calls the handler on the new loop, then starts
   * reading. Completes with the connection once the handler returned its listener.
   *
   * @param daemonReader whether the reader thread may be abandoned at JVM exit; a child process
   *     serving over its standard streams keeps a non-daemon reader, so that it lives as long as
   *     its parent keeps the pipe open
   */
  static CompletableFuture<FrameConnection> open(
      Endpoint endpoint,
      int maxFrameSize,
      ConnectionHandler handler,
      String threadName,
      boolean daemonReader) {
    StreamFrameConnection c = new StreamFrameConnection(endpoint, maxFrameSize, threadName);
    CompletableFuture<FrameConnection> done = new CompletableFuture<>();
    if (!daemonReader) {
      // started here, on the caller's thread: a child whose main returns right after start() must
      // already have a live non-daemon thread, or the JVM exits before the loop gets to it
      c.startThread(
          () -> {
            if (opened(done)) {
              c.readLoop();
            }
          },
          threadName + "-reader",
          false);
    }
    c.loop.execute(
        () -> {
          try {
            c.listener = handler.onConnection(c);
          } catch (RuntimeException | Error e) {
            c.terminated = true;
            c.loop.shutdown();
            c.releaseQuietly();
            done.completeExceptionally(e);
            return;
          }
          if (daemonReader) {
            c.startThread(c::readLoop, threadName + "-reader", true);
          }
          c.startThread(c::writeLoop, threadName + "-writer", true);
          done.complete(c);
        });
    return done;
  }

  /** Waits for the handler to have taken the connection; false when it failed. */
  private static boolean opened(CompletableFuture<FrameConnection> done) {
    try {
      done.join();
      return true;
    } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
      return false;
    }
  }

  private void startThread(Runnable body, String name, boolean daemon) {
    Thread t = new Thread(body, name);
    t.setDaemon(daemon);
    t.start();
  }

  // ---------------------------------------------------------------- reading

  private void readLoop() {
    InputStream in = endpoint.input();
    IOException error = null;
    try {
      while (!terminated) {
        readPermits.acquire();
        ByteBuf chunk = alloc.heapBuffer(CHUNK);
        int n;
        try {
          n = chunk.writeBytes(in, CHUNK);
        } catch (IOException | RuntimeException e) {
          chunk.release();
          throw e;
        }
        if (n < 0) {
          chunk.release();
          break;
        }
        readChunks.add(chunk);
        if (terminated) {
          releaseReadChunks(); // closed meanwhile: the loop may never take it
          break;
        }
        try {
          loop.execute(this::takeChunk);
        } catch (RejectedExecutionException e) {
          releaseReadChunks(); // closed meanwhile
          break;
        }
      }
    } catch (IOException e) {
      error = e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (terminated) {
      return;
    }
    Throwable cause = endpoint.endCause(error);
    execute(() -> terminate(cause));
  }

  /** Loop: the next chunk the reader handed over (one per task). */
  private void takeChunk() {
    ByteBuf chunk = readChunks.poll();
    if (chunk != null) {
      onChunk(chunk);
    }
  }

  /** Any thread, once terminated: releases the chunks read and not taken. */
  private void releaseReadChunks() {
    for (ByteBuf b; (b = readChunks.poll()) != null; ) {
      b.release();
    }
  }

  private void onChunk(ByteBuf chunk) {
    readPermits.release();
    if (terminated || failed) {
      chunk.release();
      return;
    }
    ByteBuf in;
    if (cumulation == null) {
      in = chunk;
    } else {
      in = cumulation;
      in.ensureWritable(chunk.readableBytes());
      in.writeBytes(chunk);
      chunk.release();
    }
    cumulation = in;
    FrameListener l = listener;
    while (!failed && !terminated) {
      ByteBuf frame;
      try {
        frame = LengthCodec.next(in, maxFrameSize);
      } catch (FrameException e) {
        failed = true;
        if (l != null) {
          l.onProtocolError(e.getMessage());
        }
        terminate(null);
        return;
      }
      if (frame == null) {
        break;
      }
      if (l != null) {
        l.onFrame(frame);
      }
    }
    if (terminated) {
      return;
    }
    if (!in.isReadable()) {
      in.release();
      cumulation = null;
    } else if (in.readerIndex() > 0) {
      // keep only the partial frame: the buffer stays at most one frame plus a chunk
      ByteBuf rest = alloc.heapBuffer(Math.max(in.readableBytes(), 256));
      rest.writeBytes(in);
      in.release();
      cumulation = rest;
    }
    if (l != null) {
      l.onReadComplete();
    }
  }

  // ---------------------------------------------------------------- writing

  @Override
  public void write(ByteBuf frame) {
    if (terminated) {
      frame.release();
      return;
    }
    batch.add(frame);
  }

  @Override
  public void flush() {
    batch.finish();
    if (unflushed.isEmpty()) {
      return;
    }
    long bytes = 0;
    for (ByteBuf b; (b = unflushed.poll()) != null; ) {
      bytes += b.readableBytes();
      writeQueue.add(b);
    }
    if (queuedBytes.addAndGet(bytes) > HIGH_WATER) {
      writable = false;
    }
    if (writerGone) {
      // the writer stopped (the peer closed its end) before this connection is terminated: what
      // was just queued would never be taken
      releaseQueued();
    }
  }

  private void releaseQueued() {
    for (ByteBuf b; (b = writeQueue.poll()) != null; ) {
      b.release();
    }
  }

  private void writeLoop() {
    OutputStream out = endpoint.output();
    IOException error = null;
    try {
      while (true) {
        ByteBuf b = writeQueue.take();
        long written = 0;
        boolean end = false;
        do {
          if (b == END) {
            end = true;
            break;
          }
          try {
            written += b.readableBytes();
            b.getBytes(b.readerIndex(), out, b.readableBytes());
          } finally {
            b.release();
          }
        } while ((b = writeQueue.poll()) != null);
        out.flush();
        long left = queuedBytes.addAndGet(-written);
        if (!writable && left < LOW_WATER) {
          writable = true;
          execute(this::notifyWritable);
        }
        if (end) {
          break;
        }
      }
    } catch (IOException e) {
      error = e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    writerGone = true; // before the queue is emptied: a flush after this empties it itself
    releaseQueued();
    try {
      out.close();
    } catch (IOException e) {
      // nothing more to send anyway
    }
    if (error != null && !terminated) {
      IOException cause = error;
      log.debug("write to {} failed: {}", endpoint.describe(), cause.toString());
      execute(() -> terminate(cause));
    }
    releaseQuietly();
  }

  private void notifyWritable() {
    FrameListener l = listener;
    if (!terminated && writable && l != null) {
      l.onWritable();
    }
  }

  // ---------------------------------------------------------------- closing

  @Override
  public void close() {
    execute(() -> terminate(null));
  }

  /** Loop: stops reading, lets the writer send what was flushed, tells the listener. */
  private void terminate(@Nullable Throwable cause) {
    if (terminated) {
      return;
    }
    terminated = true;
    releaseReadChunks();
    batch.discard();
    for (ByteBuf b; (b = unflushed.poll()) != null; ) {
      b.release();
    }
    if (cumulation != null) {
      cumulation.release();
      cumulation = null;
    }
    // the writer sends what was flushed before this, closes the output, then releases
    writeQueue.add(END);
    readPermits.release(READ_AHEAD);
    FrameListener l = listener;
    try {
      if (l != null) {
        l.onClosed(cause);
      }
    } finally {
      loop.shutdown();
    }
  }

  private void releaseQuietly() {
    try {
      endpoint.release();
    } catch (RuntimeException e) {
      log.debug("releasing {} failed", endpoint.describe(), e);
    }
  }

  // ---------------------------------------------------------------- FrameConnection

  @Override
  public boolean inLoop() {
    return Thread.currentThread() == loopThread;
  }

  /** Runs on the loop; a task for a connection that is gone (a late close) is dropped. */
  @Override
  public void execute(Runnable task) {
    try {
      loop.execute(task);
    } catch (RejectedExecutionException e) {
      // closed: nothing left to do
    }
  }

  @Override
  public Future<?> schedule(Runnable task, long delay, TimeUnit unit) {
    try {
      return loop.schedule(task, delay, unit);
    } catch (RejectedExecutionException e) {
      // closed: the task would never run
      CompletableFuture<Void> never = new CompletableFuture<>();
      never.cancel(false);
      return never;
    }
  }

  @Override
  public boolean isWritable() {
    return writable;
  }

  @Override
  public ByteBufAllocator alloc() {
    return alloc;
  }

  @Override
  public String remoteAddress() {
    return endpoint.describe();
  }

  @Override
  public @Nullable PeerCredentials peerCredentials() {
    return endpoint.credentials();
  }

  @Override
  public AdmissionCheck admission() {
    return endpoint.admission();
  }

  @Override
  public String toString() {
    return "StreamFrameConnection[" + endpoint.describe() + "]";
  }
}
