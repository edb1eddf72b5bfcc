package io.communica.shm;

import io.communica.core.frame.HeapFrames;
import io.communica.core.frame.FrameException;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.communica.core.frame.LengthCodec;
import io.communica.core.transport.AdmissionCheck;
import io.communica.core.transport.ConnectionHandler;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.FrameListener;
import io.communica.core.transport.PeerCredentials;
import io.communica.core.transport.WriteListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Delayed;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shared-memory connection as a {@link FrameConnection}: frames out go into this side's
 * outbound ring, frames in are read from the other, both on the {@link ShmAgent}, which is the
 * connection's loop.
 *
 * <p>Small frames ({@value #SMALL_FRAME} bytes at most) are staged in the agent's batch and go into
 * the ring as one BATCH record at the flush, at the end of the agent's turn, or when another
 * connection stages: one claim and commit of the ring per burst rather than per frame (the claim
 * was 40% of a busy server's agent, a cache line bounced between the two processes per record).
 * A larger frame goes as one record when it fits {@link #MAX_CHUNK}, else as a run of
 * records (MORE ... LAST) that the reader joins, checking the growing size against the maximum
 * frame size before it copies anything, so that a peer cannot make it buffer more than one frame.
 * A full ring is backpressure: frames wait in order in {@link #pending} (then {@link
 * #isWritable()} turns false above {@link #HIGH_WATER}) and the agent moves them into the ring as
 * the peer reads. Nothing is dropped while the connection is open.
 *
 * <p>After writing, a side whose peer's agent is asleep (a mark in the header) wakes it with one
 * byte on the doorbell socket the two keep open (see {@link ShmAgent}).
 *
 * <p>Closing sets this side's closed flag in the file's header after its last record and closes
 * the socket; the peer reads what is left, sees the flag and closes too. A peer that dies sets no
 * flag: the kernel closes its socket, which this side notices at once; besides, its process is
 * checked every {@value #CHECK_MILLIS} ms, and its consumer heartbeat (Agrona's, in the ring's
 * trailer) must move within {@value #HEARTBEAT_TIMEOUT_MILLIS} ms.
 */
final class ShmConnection implements FrameConnection, MessageHandler {

  private static final Logger log = LoggerFactory.getLogger(ShmConnection.class);

  /** How often the agent checks that the peer lives and beats its own heartbeat, in ms. */
  static final int CHECK_MILLIS = 100;

  /** How long a peer may leave its inbound ring unpolled before it counts as dead, in ms. */
  static final int HEARTBEAT_TIMEOUT_MILLIS = 10_000;

  /** Largest record written; larger frames are cut into records of this size. */
  static final int MAX_CHUNK = 64 * 1024;

  /** Records read per connection per turn, so that one busy peer does not starve the others. */
  static final int READ_LIMIT = 256;

  /** Pending bytes above which {@link #isWritable()} turns false (what waits besides the ring). */
  static final long HIGH_WATER = 1024 * 1024;

  /** Pending bytes below which writing resumes. */
  static final long LOW_WATER = 256 * 1024;

  private static final long OWN_PID = ProcessHandle.current().pid();

  static final int WHOLE = 1;
  static final int MORE = 2;
  static final int LAST = 3;
  /** A record of small whole frames, each as a 4-byte length (native order) and its bytes. */
  static final int BATCH = 4;

  /** Frames up to this size are batched into one record per flush (see {@link ShmAgent#stage}). */
  static final int SMALL_FRAME = 1024;

  private final ShmAgent agent;
  private final RingFile file;
  private final SocketChannel bell;
  private final ByteBuffer bellBytes = ByteBuffer.allocateDirect(64);
  private final boolean client;
  private final RingBuffer inbound;
  private final RingBuffer outbound;
  private final AtomicBuffer outBuffer;
  private final int maxFrameSize;
  private final int chunk;
  private final String remote;
  private final @Nullable PeerCredentials credentials;
  private final AdmissionCheck admission;
  private final Optional<ProcessHandle> peer;
  private final long peerPid;
  private final ByteBufAllocator alloc = HeapFrames.INSTANCE;
  private final UnsafeBuffer scratch = new UnsafeBuffer(0, 0);
  private volatile boolean terminated;

  // agent only
  private @Nullable FrameListener listener;
  private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
  private boolean headStarted;
  private long pendingBytes;
  private boolean writable = true;
  /** Records were written since the peer was last looked at for being asleep. */
  private boolean wrote;
  /** A REQUEST frame was written since {@link #takeWroteRequest()} was last called. */
  private boolean wroteRequest;
  /** Records read by the last {@link #poll()}. */
  private int lastRead;
  private @Nullable ByteBuf assembly;
  private boolean failed;

  ShmConnection(
      ShmAgent agent,
      RingFile file,
      SocketChannel bell,
      boolean client,
      long peerPid,
      int maxFrameSize,
      String remote,
      @Nullable PeerCredentials credentials,
      AdmissionCheck admission) {
    this.agent = agent;
    this.file = file;
    this.bell = bell;
    this.client = client;
    this.inbound = client ? file.serverToClient : file.clientToServer;
    this.outbound = client ? file.clientToServer : file.serverToClient;
    this.outBuffer = outbound.buffer();
    this.maxFrameSize = maxFrameSize;
    this.chunk = Math.min(MAX_CHUNK, outbound.maxMsgLength());
    this.remote = remote;
    this.credentials = credentials;
    this.admission = admission;
    this.peerPid = peerPid;
    this.peer = ProcessHandle.of(peerPid);
  }

  /**
   * Calls the handler on the agent, then starts polling; completes once the handler returned its
   * listener.
   */
  CompletableFuture<FrameConnection> open(ConnectionHandler handler) {
    CompletableFuture<FrameConnection> done = new CompletableFuture<>();
    agent.execute(
        () -> {
          try {
            listener = handler.onConnection(this);
            agent.add(this, bell);
          } catch (IOException | RuntimeException | Error e) {
            terminate(null);
            done.completeExceptionally(e);
            return;
          }
          done.complete(this);
        });
    return done;
  }

  boolean isTerminated() {
    return terminated;
  }

  // ---------------------------------------------------------------- agent: polling

  /** One turn: moves pending frames into the ring, reads the peer's, notices its close. */
  int poll() {
    if (terminated) {
      return 0;
    }
    int work = pending.isEmpty() ? 0 : drainPending();
    // the flag first: records written before the peer set it are then all visible below
    boolean peerClosed = file.isClosed(!client);
    int read = inbound.read(this, READ_LIMIT);
    lastRead = read;
    FrameListener l = listener;
    if (read > 0 && !terminated && l != null) {
      work += read;
      try {
        l.onReadComplete();
      } catch (RuntimeException e) {
        fail(e);
      }
    }
    if (peerClosed && read < READ_LIMIT && !terminated) {
      terminate(null);
    }
    if (wrote || read > 0) {
      // records for the peer, or room for its pending writes: wake it if it sleeps
      wakePeer();
    }
    return work;
  }

  /** Loop, on a sender's thread: one {@link #poll()}; returns the records read. */
  int pollReplies() {
    lastRead = 0;
    poll();
    return lastRead;
  }

  /** Loop: whether a REQUEST was written since the last call (its reply is worth waiting for). */
  boolean takeWroteRequest() {
    boolean w = wroteRequest;
    wroteRequest = false;
    return w;
  }

  /** Agent: marks this side asleep or awake for the peer's writers. */
  void asleep(boolean asleep) {
    if (!terminated) {
      file.asleep(client, asleep);
    }
  }

  /**
   * Agent, about to sleep: whether there is work after all, something to read or room for a
   * pending write (the peer read meanwhile and did not see this side asleep yet).
   */
  boolean hasWork() {
    if (terminated) {
      return false;
    }
    if (inbound.size() > 0 || file.isClosed(!client)) {
      return true;
    }
    ByteBuf head = pending.peek();
    if (head == null) {
      return false;
    }
    int need = Math.min(chunk, head.readableBytes()) + 2 * RecordDescriptor.HEADER_LENGTH;
    return outbound.capacity() - outbound.size() >= need;
  }

  /**
   * Agent: the doorbell socket is readable: wake-up bytes, or its end, which without the peer's
   * closed flag means that the peer process is gone.
   */
  void onBell(SelectionKey key) {
    int n;
    try {
      do {
        bellBytes.clear();
        n = bell.read(bellBytes);
      } while (n > 0);
    } catch (IOException e) {
      n = -1;
    }
    if (n < 0) {
      key.cancel();
      // what the peer wrote before it went is still read: a last CLOSE frame, say
      while (!terminated && poll() >= READ_LIMIT) {
        // more
      }
      if (!terminated && !file.isClosed(!client)) {
        terminate(new IOException("the peer process (pid " + peerPid + ") is gone: its socket closed"));
      }
    }
  }

  /**
   * Agent, after writing or reading: wakes the peer's agent if it sleeps (once per sleep), for the
   * records written or for the room made for its pending writes.
   */
  private void wakePeer() {
    wrote = false;
    // the records are committed; the peer marks itself asleep, then looks at the ring: one of
    // the two sees the other's write
    VarHandle.fullFence();
    if (file.takeAsleep(!client)) {
      try {
        bellBytes.clear().put((byte) 1).flip();
        bell.write(bellBytes);
      } catch (IOException e) {
        // the peer is gone; its socket's end says so
      }
    }
  }

  @Override
  public void onMessage(int type, MutableDirectBuffer buffer, int index, int length) {
    if (terminated || failed) {
      return;
    }
    try {
      ByteBuf frame;
      switch (type) {
        case WHOLE -> {
          if (assembly != null) {
            throw new FrameException("a whole frame arrived inside a frame in pieces");
          }
          LengthCodec.checkLength(length, maxFrameSize);
          frame = agent.frameBuffer(length);
          copyOut(buffer, index, frame, length);
        }
        case BATCH -> {
          if (assembly != null) {
            throw new FrameException("a batch arrived inside a frame in pieces");
          }
          readBatch(buffer, index, length);
          return;
        }
        case MORE, LAST -> {
          ByteBuf a = assembly;
          long size = (a == null ? 0 : a.readableBytes()) + (long) length;
          if (size + LengthCodec.PREFIX > maxFrameSize) {
            throw new FrameException(
                "frame in pieces exceeds the maximum frame size of " + maxFrameSize);
          }
          if (a == null) {
            a = alloc.heapBuffer(length * 2, maxFrameSize);
            assembly = a;
          }
          a.ensureWritable(length);
          copyOut(buffer, index, a, length);
          if (type == MORE) {
            return;
          }
          assembly = null;
          frame = a;
          LengthCodec.checkLength(frame.readableBytes(), maxFrameSize);
        }
        default -> throw new FrameException("unknown ring record type " + type);
      }
      deliver(frame);
    } catch (FrameException e) {
      failed = true;
      FrameListener l = listener;
      try {
        if (l != null) {
          l.onProtocolError(e.getMessage());
        }
      } finally {
        terminate(null);
      }
    }
  }

  /** The frames of a BATCH record, each copied out and delivered in turn. */
  private void readBatch(MutableDirectBuffer buffer, int index, int length) {
    int end = index + length;
    for (int i = index; i < end && !terminated && !failed; ) {
      if (end - i < 4) {
        throw new FrameException("a batch record ends inside a frame's length");
      }
      int len = buffer.getInt(i);
      if (len < 0 || len > end - i - 4) {
        throw new FrameException("a frame in a batch record runs past the record's end");
      }
      LengthCodec.checkLength(len, maxFrameSize);
      ByteBuf frame = agent.frameBuffer(len);
      copyOut(buffer, i + 4, frame, len);
      i += 4 + len;
      deliver(frame);
    }
  }

  private void deliver(ByteBuf frame) {
    FrameListener l = listener;
    try {
      if (l != null) {
        l.onFrame(frame);
      }
    } catch (RuntimeException e) {
      fail(e);
    } finally {
      agent.recycle(frame);
    }
  }

  /** The listener threw: it may still send a last frame, then the connection closes. */
  private void fail(RuntimeException e) {
    log.debug("listener of {} failed", this, e);
    FrameListener l = listener;
    try {
      if (l != null && !terminated) {
        l.onException(e);
      }
    } catch (RuntimeException again) {
      e.addSuppressed(again);
    } finally {
      terminate(e);
    }
  }

  private void copyOut(MutableDirectBuffer from, int index, ByteBuf to, int length) {
    int at = to.writerIndex();
    if (to.hasMemoryAddress()) {
      scratch.wrap(to.memoryAddress() + at, length);
      from.getBytes(index, scratch, 0, length);
    } else if (to.hasArray()) {
      from.getBytes(index, to.array(), to.arrayOffset() + at, length);
    } else {
      byte[] bytes = new byte[length];
      from.getBytes(index, bytes);
      to.setBytes(at, bytes);
    }
    to.writerIndex(at + length);
  }

  // ---------------------------------------------------------------- agent: writing

  @Override
  public void write(ByteBuf frame) {
    if (terminated) {
      frame.release();
      return;
    }
    if (frame.getByte(frame.readerIndex() + FrameHeader.OFF_TYPE) == FrameType.REQUEST) {
      wroteRequest = true;
    }
    int size = frame.readableBytes();
    if (size <= SMALL_FRAME
        && pending.isEmpty()
        && (agent.stage(this, frame, size, chunk)
            || (commitStaged() && agent.stage(this, frame, size, chunk)))) {
      frame.release();
      return;
    }
    commitStaged(); // what is staged goes first
    if (pending.isEmpty()) {
      int before = frame.readableBytes();
      if (offer(frame, false)) {
        frame.release();
        return;
      }
      headStarted = frame.readableBytes() < before;
    }
    pending.add(frame);
    pendingBytes += frame.readableBytes();
    if (pendingBytes > HIGH_WATER) {
      writable = false;
    }
  }

  /**
   * A staged fire-and-forget frame: straight from the sender's chunk into the ring when it fits
   * one record and nothing waits before it, without a buffer in between.
   */
  @Override
  public void write(byte[] array, int offset, int length, WriteListener listener) {
    if (!terminated
        && length <= SMALL_FRAME
        && pending.isEmpty()
        && (agent.stage(this, array, offset, length, chunk)
            || (commitStaged() && agent.stage(this, array, offset, length, chunk)))) {
      listener.onWritten(null);
      return;
    }
    write(Unpooled.copiedBuffer(array, offset, length));
    listener.onWritten(null);
  }

  /**
   * Loop: moves this connection's staged batch into the ring as one record, or, when the ring has
   * no room for it, into {@link #pending} frame by frame, in order. True when nothing waits.
   */
  private boolean commitStaged() {
    int n = agent.takeStaged(this);
    if (n == 0) {
      return pending.isEmpty();
    }
    UnsafeBuffer st = agent.stageBuffer();
    if (pending.isEmpty()) {
      int at = outbound.tryClaim(BATCH, n);
      if (at >= 0) {
        outBuffer.putBytes(at, st, 0, n);
        outbound.commit(at);
        wrote = true;
        return true;
      }
    }
    for (int i = 0; i < n; ) {
      int len = st.getInt(i);
      ByteBuf b = alloc.heapBuffer(len, len);
      st.getBytes(i + 4, b.array(), b.arrayOffset(), len);
      b.writerIndex(len);
      pending.add(b);
      pendingBytes += len;
      i += 4 + len;
    }
    if (pendingBytes > HIGH_WATER) {
      writable = false;
    }
    return false;
  }

  /** Loop, for tests: one raw record of {@code type} into the ring (a peer that breaks the rules). */
  void writeRecord(int type, byte[] content) {
    commitStaged();
    int at = outbound.tryClaim(type, content.length);
    if (at < 0) {
      throw new IllegalStateException("the ring is full");
    }
    outBuffer.putBytes(at, content);
    outbound.commit(at);
    wrote = true;
    flush();
  }

  /** Moves waiting frames into the ring as far as it has room; returns the records written. */
  private int drainPending() {
    int work = 0;
    for (ByteBuf head; (head = pending.peek()) != null; ) {
      int before = head.readableBytes();
      boolean done = offer(head, headStarted);
      int moved = before - head.readableBytes();
      pendingBytes -= moved;
      if (moved > 0) {
        work++;
        headStarted = true;
      }
      if (!done) {
        break;
      }
      pending.poll();
      head.release();
      headStarted = false;
    }
    if (!writable && pendingBytes < LOW_WATER) {
      writable = true;
      FrameListener l = listener;
      if (l != null) {
        try {
          l.onWritable();
        } catch (RuntimeException e) {
          fail(e);
        }
      }
    }
    return work;
  }

  /**
   * Writes as much of {@code frame} as the ring takes, moving its reader index; true when all of
   * it is in. {@code started}: some of it is in already, so the rest goes as pieces.
   */
  private boolean offer(ByteBuf frame, boolean started) {
    int n = frame.readableBytes();
    if (!started && n <= chunk) {
      if (!record(WHOLE, frame, n)) {
        return false;
      }
      frame.skipBytes(n);
      return true;
    }
    while (frame.isReadable()) {
      int len = Math.min(chunk, frame.readableBytes());
      if (!record(len == frame.readableBytes() ? LAST : MORE, frame, len)) {
        return false;
      }
      frame.skipBytes(len);
    }
    return true;
  }

  private boolean record(int type, ByteBuf frame, int len) {
    int at = outbound.tryClaim(type, len);
    if (at < 0) {
      return false; // full
    }
    int from = frame.readerIndex();
    if (frame.hasMemoryAddress()) {
      scratch.wrap(frame.memoryAddress() + from, len);
      outBuffer.putBytes(at, scratch, 0, len);
    } else if (frame.hasArray()) {
      outBuffer.putBytes(at, frame.array(), frame.arrayOffset() + from, len);
    } else {
      outBuffer.putBytes(at, frame.nioBuffer(from, len), len);
    }
    outbound.commit(at);
    wrote = true;
    return true;
  }

  /** Records are visible to the peer as soon as they are committed: only a sleeper is woken. */
  @Override
  public void flush() {
    if (terminated) {
      agent.takeStaged(this); // nothing is staged after the end; this is a safety net
      return;
    }
    commitStaged();
    if (wrote) {
      wakePeer();
    }
  }

  @Override
  public boolean isWritable() {
    return writable;
  }

  @Override
  public long pendingWriteBytes() {
    return pendingBytes;
  }

  // ---------------------------------------------------------------- agent: liveness

  /** Beats this side's heartbeat and checks the peer's, and that its process lives. */
  void checkPeer(long now) {
    if (terminated) {
      return;
    }
    inbound.consumerHeartbeatTime(now);
    if (peer.isEmpty() || !peer.get().isAlive()) {
      terminate(new IOException("the peer process (pid " + peerPid + ") is gone"));
      return;
    }
    long beat = outbound.consumerHeartbeatTime();
    // a peer in this process is polled by an agent of this process: were it stuck, so is this
    if (peerPid != OWN_PID && now - beat > HEARTBEAT_TIMEOUT_MILLIS) {
      terminate(
          new IOException(
              "the peer process (pid " + peerPid + ") has not polled its ring for "
                  + (now - beat) + " ms"));
    }
  }

  // ---------------------------------------------------------------- closing

  @Override
  public void close() {
    execute(() -> terminate(null));
  }

  /** Agent: ends the connection; the peer sees the closed flag after this side's last record. */
  private void terminate(@Nullable Throwable cause) {
    if (terminated) {
      return;
    }
    commitStaged();
    if (!pending.isEmpty()) {
      drainPending(); // a last CLOSE frame, if the ring has room
    }
    terminated = true;
    file.markClosed(client);
    try {
      bell.close(); // the peer's agent wakes to its end and finds the flag
    } catch (IOException e) {
      // closed anyway
    }
    for (ByteBuf b; (b = pending.poll()) != null; ) {
      b.release();
    }
    pendingBytes = 0;
    if (assembly != null) {
      assembly.release();
      assembly = null;
    }
    agent.removeLater();
    // unmapped after this turn: a ring read may be under way below this call
    agent.execute(file::unmap);
    FrameListener l = listener;
    if (l != null) {
      try {
        l.onClosed(cause);
      } catch (RuntimeException e) {
        log.warn("listener of {} failed on close", this, e);
      }
    }
  }

  // ---------------------------------------------------------------- FrameConnection

  @Override
  public boolean inLoop() {
    return agent.inAgent();
  }

  @Override
  public void execute(Runnable task) {
    agent.execute(this, task);
  }

  @Override
  public Future<?> schedule(Runnable task, long delay, TimeUnit unit) {
    return new Timer(task, delay, unit);
  }

  @Override
  public ByteBufAllocator alloc() {
    return alloc;
  }

  @Override
  public String remoteAddress() {
    return remote;
  }

  @Override
  public @Nullable PeerCredentials peerCredentials() {
    return credentials;
  }

  @Override
  public AdmissionCheck admission() {
    return admission;
  }

  @Override
  public String toString() {
    return "ShmConnection[" + remote + "]";
  }

  /** A task run on the agent after a delay, unless cancelled first or the connection ended. */
  private final class Timer implements Runnable, ScheduledFuture<Object> {
    private final Runnable task;
    private final ScheduledFuture<?> fire;
    private volatile boolean cancelled;
    private volatile boolean ran;

    Timer(Runnable task, long delay, TimeUnit unit) {
      this.task = task;
      this.fire = ShmAgent.TIMER.schedule(() -> agent.execute(this), delay, unit);
    }

    @Override
    public void run() {
      if (!cancelled && !terminated) {
        ran = true;
        task.run();
      }
    }

    @Override
    public boolean cancel(boolean mayInterrupt) {
      if (ran || cancelled) {
        return false;
      }
      cancelled = true;
      fire.cancel(false);
      return true;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean isDone() {
      return cancelled || ran;
    }

    @Override
    public @Nullable Object get() {
      throw new UnsupportedOperationException("a loop task has no result to wait for");
    }

    @Override
    public @Nullable Object get(long timeout, TimeUnit unit) {
      throw new UnsupportedOperationException("a loop task has no result to wait for");
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return fire.getDelay(unit);
    }

    @Override
    public int compareTo(Delayed o) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
    }
  }
}
