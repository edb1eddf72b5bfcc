package io.communica.core.internal;

import io.communica.core.ClientInfo;
import io.communica.core.CommunicaException;
import io.communica.core.ConnectionLostException;
import io.communica.core.Handler;
import io.communica.core.MessageTooLargeException;
import io.communica.core.OverloadedException;
import io.communica.core.RequestException;
import io.communica.core.SerializationException;
import io.communica.core.Serializer;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.FrameListener;
import io.communica.core.transport.WriteListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.internal.PlatformDependent;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.scheduler.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The protocol state of one connection: handshake, keep-alive, correlation of requests and replies,
 * handler dispatch, fragmentation, and write coalescing.
 *
 * <p>All state below "loop-confined" is touched only on the connection's loop. Other threads hand
 * work over through {@link #submit}, which queues it on a lock-free queue and schedules one drain
 * task when none is pending; the drain writes everything queued and flushes once. Work that starts
 * on the loop writes directly and is flushed at the end of the read burst, so a burst of requests
 * and replies costs one system call.
 */
public final class Session implements FrameListener {

  private static final Logger log = LoggerFactory.getLogger(Session.class);

  /** How often the timeout sweep runs while requests are waiting for replies. */
  static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  /** Smallest frame a peer may announce; large enough for any header and route. */
  public static final int MIN_FRAME_SIZE = 4096;

  /** Frames up to this size are copied into the write batch; larger ones are written as they are. */
  static final int SMALL_FRAME = 1024;

  /** How deep sends made from completions on the loop may nest before they are queued. */
  static final int MAX_DIRECT_DEPTH = 8;

  /** Least payload of a fragment that is not the last: bounds the work a message can cause. */
  static final int MIN_FRAGMENT = 1024;

  /** Capacity of a write batch buffer. */
  static final int BATCH_SIZE = 16 * 1024;

  /** Longest route in UTF-8 bytes, so that a route always fits the first fragment. */
  public static final int MAX_ROUTE_BYTES = 1024;

  private static final int HANDSHAKE = 0;
  private static final int OPEN = 1;
  private static final int CLOSED = 2;

  /** What a session reports to the entity it belongs to. */
  public interface Owner {

    /** Server: a client's HELLO; returns null to accept or the reason to refuse. */
    @Nullable String onHello(Session session, ClientInfo client, byte[] credentials);

    /** The handshake completed. */
    void onOpen(Session session);

    /** The connection closed (after {@link #onOpen}, or during the handshake). */
    void onClose(Session session, Throwable cause);

    /** Client: the server refused the handshake. */
    void onRefused(Session session, String reason);
  }

  private final FrameConnection conn;
  private final EntityConfig config;
  private final RouteIndex routes;
  private final Owner owner;
  private final boolean serverSide;
  private final ByteBufAllocator alloc;

  // loop-confined
  private int state = HANDSHAKE;
  private final IntObjectHashMap<PendingRequest<?>> pending = new IntObjectHashMap<>();
  private final IntObjectHashMap<InboundCall> inbound = new IntObjectHashMap<>();
  private int nextId;
  private boolean reading;
  private int directDepth;
  private boolean dirty;
  private final boolean batching;
  private @Nullable ByteBuf batch;
  private boolean flushScheduled;
  private boolean sweepScheduled;
  private boolean wroteSinceTick;
  private long lastReadNanos = System.nanoTime();
  private @Nullable Reassembly reassembly;
  /**
   * The route of the frame being dispatched, copied out of the frame; as long as the longest route
   * of this side (longer ones cannot match).
   */
  private final byte[] routeScratch;
  private int peerMaxFrame = MIN_FRAME_SIZE;
  private long readTimeoutNanos;
  private @Nullable Future<?> timer;
  private Scheduler.@Nullable Worker messageWorker;
  private @Nullable Throwable closeCause;

  // shared
  /** Small chunks: an idle connection should cost little (the default chunk is 1024 slots). */
  private final Queue<Outbound> outbox = PlatformDependent.newMpscQueue(32, 1 << 30);
  /** Loop-confined: items taken from the outbox while the transport was full, in order. */
  private final java.util.ArrayDeque<Outbound> stalled = new java.util.ArrayDeque<>();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final Runnable drainTask = this::drain;
  private final Runnable flushTask = this::scheduledFlush;
  private final Runnable sweepTask = this::sweep;
  private volatile boolean closed;
  private volatile @Nullable ClientInfo peer;
  /** The peer's message limit; volatile since replies are encoded on worker threads too. */
  private volatile int peerMaxMessage = Integer.MAX_VALUE;

  /** Creates the session of a new connection; call on the connection's loop. */
  Session(
      FrameConnection conn,
      EntityConfig config,
      RouteIndex routes,
      Owner owner,
      boolean serverSide) {
    this.conn = conn;
    this.config = config;
    this.routes = routes;
    this.routeScratch = new byte[routes.maxLength()];
    this.owner = owner;
    this.serverSide = serverSide;
    this.alloc = conn.alloc();
    this.batching = conn.acceptsBatches();
    this.readTimeoutNanos = config.keepAliveTimeout().toNanos();
    timer =
        conn.schedule(
            this::handshakeTimeout, config.handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS);
    if (!serverSide) {
      sendHello();
    }
  }

  // ---------------------------------------------------------------- accessors

  EntityConfig config() {
    return config;
  }

  /** The peer: for a server's session the client, for a client's the server. */
  public @Nullable ClientInfo peer() {
    return peer;
  }

  public boolean isOpen() {
    return !closed;
  }

  String describe() {
    return conn.remoteAddress();
  }

  ByteBufAllocator alloc() {
    return alloc;
  }

  int pendingCount() {
    return pending.size();
  }

  /** Largest payload this side may send: the smaller of both peers' limits. */
  int sendLimit() {
    return Math.min(config.maxMessageSize(), peerMaxMessage);
  }

  void execute(Runnable task) {
    conn.execute(task);
  }

  // ---------------------------------------------------------------- outbound

  /**
   * Hands an outbound item to this session from any thread. Returns false, leaving the item to
   * the caller, when the session is closed.
   */
  boolean submit(Outbound o) {
    if (closed) {
      return false;
    }
    if (conn.inLoop()
        && state == OPEN
        && directDepth < MAX_DIRECT_DEPTH
        && stalled.isEmpty()
        && outbox.isEmpty()
        && conn.isWritable()) {
      // a completion that sends again (a message per completed message) would recurse through
      // here without bound: past a few levels the item takes the queue instead
      directDepth++;
      try {
        o.write(this);
      } finally {
        directDepth--;
      }
      afterDirectWrite();
      return true;
    }
    int size = o.size();
    long queued = queuedBytes.addAndGet(size);
    if (queued > config.maxQueuedBytes() && queued != size) {
      queuedBytes.addAndGet(-size);
      o.fail(
          new OverloadedException(
              "more than " + config.maxQueuedBytes() + " bytes are queued for " + describe()));
      return true;
    }
    outbox.offer(o);
    if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true)) {
      conn.execute(drainTask);
    }
    return true;
  }

  private void drain() {
    drainScheduled.set(false);
    if (state == CLOSED) {
      failOutbox();
      return;
    }
    if (state != OPEN) {
      return;
    }
    long drained = 0;
    Outbound o;
    while (conn.isWritable()) {
      o = stalled.isEmpty() ? outbox.poll() : stalled.poll();
      if (o == null) {
        break;
      }
      drained += o.size();
      o.write(this);
    }
    if (!conn.isWritable()) {
      // the transport is full: what is queued waits on the loop, where the sweep can time it out
      while ((o = outbox.poll()) != null) {
        stalled.add(o);
      }
      if (!stalled.isEmpty()) {
        scheduleSweep();
      }
    }
    if (drained != 0) {
      queuedBytes.addAndGet(-drained);
    }
    flushIfDirty();
  }

  private void afterDirectWrite() {
    if (!reading && dirty && !flushScheduled) {
      flushScheduled = true;
      conn.execute(flushTask);
    }
  }

  private void scheduledFlush() {
    flushScheduled = false;
    flushIfDirty();
  }

  private void flushIfDirty() {
    if (dirty) {
      flushNow();
    }
  }

  private void flushNow() {
    dirty = false;
    ByteBuf b = batch;
    if (b != null) {
      batch = null;
      conn.write(b);
    }
    conn.flush();
  }

  /**
   * Writes a frame. On stream transports small frames are copied into one batch buffer that goes
   * to the transport as a whole: one write and one outbound-buffer entry for many messages instead
   * of one each, which is where small-message throughput is won or lost.
   */
  private void writeFrame(ByteBuf frame) {
    int n = frame.readableBytes();
    if (batching && n <= SMALL_FRAME) {
      ByteBuf b = batch;
      if (b == null || b.writableBytes() < n) {
        if (b != null) {
          conn.write(b);
        }
        b = alloc.ioBuffer(BATCH_SIZE, BATCH_SIZE);
        batch = b;
      }
      b.writeBytes(frame, frame.readerIndex(), n);
      frame.release();
    } else {
      ByteBuf b = batch;
      if (b != null) {
        batch = null;
        conn.write(b);
      }
      conn.write(frame);
    }
    dirty = true;
    wroteSinceTick = true;
    if (!conn.isWritable() && conn.pendingWriteBytes() > config.maxQueuedBytes()) {
      // replies and pongs are written on the loop whatever the socket's state; a peer that keeps
      // sending but does not read would make them pile up without end
      peerNotReading();
    }
  }

  private void peerNotReading() {
    if (closeCause != null) {
      return;
    }
    log.warn(
        "closing connection with {}: it does not read ({} bytes waiting to be sent)",
        describe(),
        conn.pendingWriteBytes());
    closeCause =
        new ConnectionLostException(
            "the peer does not read: more than " + config.maxQueuedBytes() + " bytes were waiting");
    conn.close();
  }

  private void writeFrame(ByteBuf frame, @Nullable WriteListener listener) {
    if (listener == null) {
      writeFrame(frame);
      return;
    }
    if (batching) {
      // a stream transport has taken a frame once it is queued; the batch keeps the order
      writeFrame(frame);
      listener.onWritten(null);
      return;
    }
    conn.write(frame, listener);
    dirty = true;
    wroteSinceTick = true;
  }

  /** Writes a whole message, split into fragments when it is larger than the peer's frame size. */
  void writeMessage(ByteBuf frame) {
    writeMessage(frame, null);
  }

  /**
   * Writes a whole message; {@code listener}, if any, hears when the transport took its last frame
   * (see {@link FrameConnection#write(ByteBuf, WriteListener)}).
   */
  void writeMessage(ByteBuf frame, @Nullable WriteListener listener) {
    int total = frame.readableBytes();
    int maxFrame = peerMaxFrame;
    if (total <= maxFrame) {
      writeFrame(frame, listener);
      return;
    }
    int base = frame.readerIndex();
    int contentType = frame.getUnsignedByte(base + Frames.OFF_CONTENT);
    int id = frame.getInt(base + Frames.OFF_ID);
    ByteBuf first = frame.retainedSlice(base, maxFrame);
    first.setInt(0, maxFrame - 4);
    first.setByte(Frames.OFF_FLAGS, first.getUnsignedByte(Frames.OFF_FLAGS) | Frames.FLAG_FOLLOWS);
    writeFrame(first);
    int chunk = maxFrame - Frames.HEADER;
    int pos = maxFrame;
    while (pos < total) {
      int n = Math.min(chunk, total - pos);
      boolean last = pos + n == total;
      ByteBuf header =
          Frames.begin(
              alloc,
              Frames.CONTINUATION,
              last ? 0 : Frames.FLAG_FOLLOWS,
              contentType,
              id,
              0,
              RouteIndex.NONE,
              0);
      header.setInt(0, Frames.HEADER - 4 + n);
      writeFrame(
          Unpooled.wrappedBuffer(header, frame.retainedSlice(base + pos, n)), last ? listener : null);
      pos += n;
    }
    frame.release();
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

  /** Registers a request about to be written; returns its id. Loop only. */
  int register(PendingRequest<?> p) {
    int id;
    do {
      id = ++nextId;
      if (id <= 0) {
        nextId = 0;
        id = ++nextId;
      }
    } while (pending.containsKey(key(id)));
    pending.put(key(id), p);
    scheduleSweep();
    return id;
  }

  /** Loop: a request was cancelled by its caller; forget it and tell the responder. */
  void cancelPending(PendingRequest<?> p) {
    if (state == OPEN && pending.get(key(p.id)) == p) {
      pending.remove(key(p.id));
      writeFrame(Frames.control(alloc, Frames.CANCEL, p.id));
      afterDirectWrite();
    }
  }

  private void scheduleSweep() {
    if (!sweepScheduled) {
      sweepScheduled = true;
      conn.schedule(sweepTask, SWEEP_NANOS, TimeUnit.NANOSECONDS);
    }
  }

  /** Times out requests waiting for replies, and whatever waits for a full transport. */
  private void sweep() {
    sweepScheduled = false;
    if (state == CLOSED || (pending.isEmpty() && stalled.isEmpty())) {
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
        writeFrame(Frames.control(alloc, Frames.CANCEL, p.id));
        p.fail(p.timeoutError());
      }
      flushIfDirty();
    }
    long removed = 0;
    for (var it = stalled.iterator(); it.hasNext(); ) {
      Outbound o = it.next();
      if (now - o.deadline() >= 0) {
        it.remove();
        removed += o.size();
        o.fail(o.timeoutError());
      }
    }
    if (removed != 0) {
      queuedBytes.addAndGet(-removed);
    }
    if (!pending.isEmpty() || !stalled.isEmpty()) {
      scheduleSweep();
    }
  }

  // ---------------------------------------------------------------- inbound

  @Override
  public void onFrame(ByteBuf frame) {
    reading = true;
    if (state == CLOSED || closeCause != null) {
      // closing: whatever the peer still sends is ignored
      return;
    }
    int base = frame.readerIndex();
    // the fixed header in two reads: each read of a buffer checks its state
    long head = frame.getLong(base + Frames.OFF_VERSION);
    int tail = frame.getInt(base + Frames.OFF_ERROR);
    int version = (int) (head >>> 56) & 0xff;
    int type = (int) (head >>> 48) & 0xff;
    int flags = (int) (head >>> 40) & 0xff;
    int contentType = (int) (head >>> 32) & 0xff;
    int id = (int) head;
    int error = tail >>> 16;
    int routeLen = tail & 0xffff;
    if (version != Frames.VERSION) {
      if (serverSide && state == HANDSHAKE) {
        refuse(
            ErrorCodes.REFUSE_VERSION,
            "unsupported protocol version " + version + "; this server speaks version "
                + Frames.VERSION);
      } else {
        protocolError("frame with protocol version " + version + ", expected " + Frames.VERSION);
      }
      return;
    }
    int payloadStart = Frames.HEADER + routeLen;
    if (payloadStart > frame.readableBytes()) {
      protocolError("route length " + routeLen + " runs past the end of the frame");
      return;
    }
    if (routeLen > MAX_ROUTE_BYTES) {
      protocolError("route of " + routeLen + " bytes is longer than " + MAX_ROUTE_BYTES);
      return;
    }
    Reassembly r = reassembly;
    if (r != null) {
      if (type != Frames.CONTINUATION || id != r.id || routeLen != 0) {
        protocolError(
            Frames.typeName(type) + " frame in the middle of a fragmented message " + r.id);
        return;
      }
      int n = frame.readableBytes() - payloadStart;
      if (r.payload.readableBytes() + (long) n > config.maxMessageSize()) {
        protocolError(
            "fragmented message exceeds the maximum message size of " + config.maxMessageSize());
        return;
      }
      if ((flags & Frames.FLAG_FOLLOWS) != 0 && n < MIN_FRAGMENT) {
        protocolError("non-final fragment of " + n + " bytes; fragments carry at least " + MIN_FRAGMENT);
        return;
      }
      r.payload.writeBytes(frame, base + payloadStart, n);
      if ((flags & Frames.FLAG_FOLLOWS) == 0) {
        reassembly = null;
        try {
          dispatch(
              r.type, r.id, r.flags, r.contentType, r.error, r.route, r.route.length, r.payload);
        } finally {
          r.payload.release();
        }
      }
      return;
    }
    switch (type) {
      case Frames.REQUEST, Frames.MESSAGE, Frames.RESPONSE, Frames.ERROR -> {
        if (state != OPEN) {
          protocolError(Frames.typeName(type) + " frame before the handshake completed");
          return;
        }
        int n = frame.readableBytes() - payloadStart;
        if ((flags & Frames.FLAG_FOLLOWS) != 0) {
          byte[] route = new byte[routeLen];
          frame.getBytes(base + Frames.HEADER, route);
          if (n > config.maxMessageSize()) {
            protocolError("message exceeds the maximum message size");
            return;
          }
          if (n < MIN_FRAGMENT) {
            protocolError("first fragment of " + n + " bytes; fragments carry at least " + MIN_FRAGMENT);
            return;
          }
          // one buffer that grows with the bytes received, never past the message limit, and
          // holds no reference to the read buffers the fragments came in
          ByteBuf payload = alloc.buffer(Math.min(4 * n, config.maxMessageSize()), config.maxMessageSize());
          payload.writeBytes(frame, base + payloadStart, n);
          reassembly =
              new Reassembly(
                  type,
                  id,
                  flags & ~Frames.FLAG_FOLLOWS,
                  contentType,
                  error,
                  route,
                  payload);
          return;
        }
        byte[] route = routeScratch;
        if (routeLen > routeScratch.length) {
          // longer than every route of this side: it cannot match, only its name is needed
          route = new byte[routeLen];
        }
        if (routeLen > 0) {
          frame.getBytes(base + Frames.HEADER, route, 0, routeLen);
        }
        if (n > config.maxMessageSize()) {
          protocolError("message of " + n + " bytes exceeds the maximum message size");
          return;
        }
        dispatch(
            type, id, flags, contentType, error, route, routeLen,
            frame.slice(base + payloadStart, n));
      }
      case Frames.CANCEL -> {
        InboundCall call = inbound.remove(id);
        if (call != null) {
          call.cancel();
        }
      }
      case Frames.PING -> writeFrame(Frames.control(alloc, Frames.PONG, 0));
      case Frames.PONG -> {}
      case Frames.HELLO -> onHello(frame, payloadStart);
      case Frames.WELCOME -> onWelcome(frame, payloadStart);
      case Frames.REFUSE -> onRefuse(frame);
      case Frames.CLOSE -> {
        String reason = Frames.text(frame);
        closeCause = new ConnectionLostException("the peer closed the connection: " + reason);
        log.debug("{} closed by peer: {}", describe(), reason);
        conn.close();
      }
      case Frames.CONTINUATION ->
          protocolError("CONTINUATION frame without a fragmented message before it");
      default -> protocolError("unknown frame type " + Frames.typeName(type));
    }
  }

  @Override
  public void onReadComplete() {
    reading = false;
    lastReadNanos = System.nanoTime();
    flushIfDirty();
  }

  @Override
  public void onWritable() {
    if (!outbox.isEmpty() || !stalled.isEmpty()) {
      drain();
    }
  }

  @Override
  public void onProtocolError(String reason) {
    protocolError(reason);
  }

  @Override
  public void onClosed(@Nullable Throwable cause) {
    if (state == CLOSED) {
      return;
    }
    boolean wasOpen = state == OPEN;
    state = CLOSED;
    closed = true;
    Throwable error = closeCause;
    if (error == null) {
      error =
          new ConnectionLostException(
              "connection to " + describe() + " closed"
                  + (cause != null ? ": " + cause.getMessage() : ""),
              cause);
    }
    if (timer != null) {
      timer.cancel(false);
    }
    log.debug("session with {} closed (open: {}): {}", describe(), wasOpen, error.getMessage());
    // the owner forgets this session first: failing the requests below runs callers' code, which
    // may send again at once (a retry) and must then find no session rather than this dead one
    owner.onClose(this, error);
    List<PendingRequest<?>> failed = new ArrayList<>(pending.values());
    pending.clear();
    for (PendingRequest<?> p : failed) {
      p.fail(error);
    }
    for (InboundCall call : inbound.values()) {
      call.cancel();
    }
    inbound.clear();
    if (messageWorker != null) {
      // messages already received are still handled; the worker is released after them
      Scheduler.Worker w = messageWorker;
      w.schedule(w::dispose);
    }
    if (reassembly != null) {
      reassembly.payload.release();
      reassembly = null;
    }
    if (batch != null) {
      batch.release();
      batch = null;
    }
    failOutbox();
  }

  private void failOutbox() {
    Throwable error =
        closeCause != null
            ? closeCause
            : new ConnectionLostException("connection to " + describe() + " closed");
    Outbound o;
    long drained = 0;
    while ((o = stalled.poll()) != null || (o = outbox.poll()) != null) {
      drained += o.size();
      o.fail(error);
    }
    queuedBytes.addAndGet(-drained);
  }

  private void dispatch(
      int type,
      int id,
      int flags,
      int contentType,
      int error,
      byte[] route,
      int routeLen,
      ByteBuf payload) {
    switch (type) {
      case Frames.RESPONSE -> {
        PendingRequest<?> p = pending.remove(key(id));
        if (p != null) {
          p.complete(flags, contentType, payload);
        }
      }
      case Frames.ERROR -> {
        PendingRequest<?> p = pending.remove(key(id));
        if (p != null) {
          p.fail(ErrorCodes.read(error, payload.duplicate()));
        }
      }
      default ->
          handleInbound(type == Frames.REQUEST, id, flags, contentType, route, routeLen, payload);
    }
  }

  private void handleInbound(
      boolean wantsReply,
      int id,
      int flags,
      int contentType,
      byte[] routeBytes,
      int routeLen,
      ByteBuf payload) {
    RouteIndex.Entry entry = routes.lookup(routeBytes, routeLen);
    if (entry == null) {
      unknownRoute(wantsReply, id, new String(routeBytes, 0, routeLen, StandardCharsets.UTF_8));
      return;
    }
    Handler h = entry.handler();
    String route = entry.route();
    if (wantsReply && inbound.size() >= config.maxInFlight()) {
      replyError(
          id,
          new OverloadedException(
              config.maxInFlight() + " requests from this peer are already being handled"));
      return;
    }
    if (wantsReply && inbound.containsKey(id)) {
      protocolError("request id " + id + " reused while its request is still running");
      return;
    }
    switch (h.kind()) {
      case NON_BLOCKING -> {
        Object result;
        try {
          result = h.invoke(decodeRequest(entry, flags, contentType, payload));
        } catch (Throwable t) {
          handlerFailed(wantsReply, id, route, t);
          return;
        }
        if (wantsReply) {
          replyNow(id, result, entry.serializer());
        } else {
          conn.messageHandled(id, null);
        }
      }
      case REACTIVE -> {
        Object result;
        try {
          result = h.invoke(decodeRequest(entry, flags, contentType, payload));
        } catch (Throwable t) {
          handlerFailed(wantsReply, id, route, t);
          return;
        }
        if (result == null) {
          if (wantsReply) {
            replyNow(id, null, entry.serializer());
          } else {
            conn.messageHandled(id, null);
          }
        } else if (result instanceof Callable<?> callable) {
          // Mono.just, Mono.empty, Mono.error: answer now without subscribing
          Object value;
          try {
            value = callable.call();
          } catch (Throwable t) {
            handlerFailed(wantsReply, id, route, t);
            return;
          }
          if (wantsReply) {
            replyNow(id, value, entry.serializer());
          } else {
            conn.messageHandled(id, null);
          }
        } else {
          ReactiveCall call = new ReactiveCall(this, id, wantsReply, route, entry.serializer());
          if (wantsReply) {
            inbound.put(id, call);
          }
          ((Publisher<?>) result).subscribe(call);
        }
      }
      case BLOCKING -> {
        BlockingCall call =
            new BlockingCall(this, id, wantsReply, entry, flags, contentType, keep(payload));
        if (wantsReply) {
          inbound.put(id, call);
        }
        try {
          if (wantsReply) {
            call.start(config.blockingScheduler());
          } else {
            call.start(messageWorker());
          }
        } catch (RejectedExecutionException e) {
          inbound.remove(id);
          call.releasePayload();
          handlerFailed(
              wantsReply,
              id,
              route,
              new OverloadedException("the responder's blocking scheduler is saturated"));
        }
      }
    }
  }

  private void unknownRoute(boolean wantsReply, int id, String route) {
    if (wantsReply) {
      replyError(
          id,
          new RequestException(
              route.isEmpty() ? "this peer has no handler" : "unknown route '" + route + "'",
              RequestException.UNKNOWN_ROUTE));
    } else {
      log.warn("dropping a message from {} for unknown route '{}'", describe(), route);
      conn.messageHandled(
          id, new RequestException("unknown route '" + route + "'", RequestException.UNKNOWN_ROUTE));
    }
  }

  /**
   * A payload handed to another thread: small ones are copied, so that a queue of waiting messages
   * does not hold on to whole read buffers; large (reassembled) ones are shared.
   */
  private static ByteBuf keep(ByteBuf payload) {
    return payload.readableBytes() <= 64 * 1024 ? payload.copy() : payload.retain();
  }

  /**
   * Fire-and-forget messages for blocking handlers run on one worker of the blocking scheduler per
   * connection, so that they are handled one at a time in the order sent (log lines stay in
   * order); requests run concurrently.
   */
  private Scheduler.Worker messageWorker() {
    Scheduler.Worker w = messageWorker;
    if (w == null) {
      w = config.blockingScheduler().createWorker();
      messageWorker = w;
    }
    return w;
  }

  /** Decodes request data for a handler; a failure is the requester's fault. */
  static @Nullable Object decodeRequest(
      RouteIndex.Entry entry, int flags, int contentType, ByteBuf payload) {
    if ((flags & Frames.FLAG_EMPTY) != 0) {
      return null;
    }
    Serializer serializer = entry.serializer();
    Type type = entry.handler().requestType();
    if (contentType != serializer.contentType()) {
      throw new RequestException(
          "the request is in " + Frames.contentTypeName(contentType)
              + " but the responder decodes " + Frames.contentTypeName(serializer.contentType()),
          RequestException.INVALID_DATA);
    }
    try {
      return serializer.decode(payload, type);
    } catch (RuntimeException e) {
      throw new RequestException(
          "cannot decode the request"
              + (entry.route().isEmpty() ? "" : " for route '" + entry.route() + "'")
              + " as " + type.getTypeName() + ": " + e.getMessage(),
          RequestException.INVALID_DATA,
          e);
    }
  }

  void handlerFailed(boolean wantsReply, int id, String route, Throwable t) {
    logHandlerFailure(route, t);
    if (wantsReply) {
      replyError(id, t);
    } else {
      conn.messageHandled(id, t);
    }
  }

  /** The handler of an inbound MESSAGE finished (any thread): tells the transport. */
  void messageDone(int id, @Nullable Throwable failure) {
    conn.messageHandled(id, failure);
  }

  /** Unexpected handler exceptions are logged with their trace; refusals at debug level. */
  void logHandlerFailure(String route, Throwable t) {
    String where = route.isEmpty() ? "handler" : "handler for route '" + route + "'";
    if (t instanceof CommunicaException) {
      log.debug("{} refused: {}", where, t.toString());
    } else {
      log.warn("{} failed: {}", where, t.toString(), t);
    }
  }

  private void replyNow(int id, @Nullable Object value, Serializer serializer) {
    writeMessage(encodeReply(id, value, serializer));
  }

  private void replyError(int id, Throwable t) {
    // a long message can exceed the peer's frame size: errors are fragmented like replies
    writeMessage(ErrorCodes.errorFrame(alloc, id, t));
  }

  /** Encodes a reply frame; a value that cannot be encoded or is too large becomes an error. */
  ByteBuf encodeReply(int id, @Nullable Object value, Serializer serializer) {
    ByteBuf frame;
    try {
      frame = Frames.message(alloc, Frames.RESPONSE, id, RouteIndex.NONE, value, serializer);
    } catch (Throwable t) {
      log.warn("cannot encode the reply to request {} from {}", id, describe(), t);
      return ErrorCodes.errorFrame(
          alloc,
          id,
          new SerializationException("the responder cannot encode its reply: " + t.getMessage()));
    }
    int size = Frames.payloadLength(frame);
    int limit = sendLimit();
    if (size > limit) {
      frame.release();
      return ErrorCodes.errorFrame(alloc, id, MessageTooLargeException.of(size, limit));
    }
    return frame;
  }

  /** Replies (from any thread) for a call that was registered in {@link #inbound}. */
  void sendReply(InboundCall call) {
    if (!submit(call)) {
      call.fail(new ConnectionLostException("closed"));
    }
  }

  /** Loop: writes the reply of a registered call unless it was cancelled meanwhile. */
  void writeReply(InboundCall call, ByteBuf frame) {
    if (!call.wantsReply) {
      frame.release();
      return;
    }
    if (inbound.get(call.id) != call) {
      frame.release();
      return;
    }
    inbound.remove(call.id);
    writeMessage(frame);
  }

  // ---------------------------------------------------------------- handshake

  private void sendHello() {
    ByteBuf buf = Frames.begin(alloc, Frames.HELLO, 0, 0, 0, 0, RouteIndex.NONE, 64);
    buf.writeInt(config.maxMessageSize());
    buf.writeInt(config.maxFrameSize());
    buf.writeInt((int) Math.min(Integer.MAX_VALUE, config.keepAliveInterval().toMillis()));
    writeString(buf, config.clientId());
    buf.writeShort(config.credentials().length);
    buf.writeBytes(config.credentials());
    writeFrame(Frames.finish(buf));
    flushNow();
  }

  private void sendWelcome() {
    ByteBuf buf = Frames.begin(alloc, Frames.WELCOME, 0, 0, 0, 0, RouteIndex.NONE, 16);
    buf.writeInt(config.maxMessageSize());
    buf.writeInt(config.maxFrameSize());
    buf.writeInt((int) Math.min(Integer.MAX_VALUE, config.keepAliveInterval().toMillis()));
    writeFrame(Frames.finish(buf));
  }

  private static void writeString(ByteBuf buf, String s) {
    int len = ByteBufUtil.utf8Bytes(s);
    buf.writeShort(len);
    ByteBufUtil.reserveAndWriteUtf8(buf, s, len);
  }

  private void onHello(ByteBuf frame, int payloadStart) {
    if (!serverSide || state != HANDSHAKE) {
      protocolError("unexpected HELLO frame");
      return;
    }
    ByteBuf in = frame.slice(frame.readerIndex() + payloadStart, frame.readableBytes() - payloadStart);
    if (in.readableBytes() < 16) {
      protocolError("HELLO frame too short");
      return;
    }
    int maxMessage = in.readInt();
    int maxFrame = in.readInt();
    int keepAliveMs = in.readInt();
    int idLen = in.readUnsignedShort();
    if (idLen == 0 || idLen > 256 || idLen + 2 > in.readableBytes()) {
      refuse(ErrorCodes.REFUSE_OTHER, "client id must be 1 to 256 bytes");
      return;
    }
    String clientId = in.readCharSequence(idLen, StandardCharsets.UTF_8).toString();
    int credLen = in.readUnsignedShort();
    if (credLen > in.readableBytes()) {
      protocolError("HELLO credentials run past the end of the frame");
      return;
    }
    byte[] credentials = new byte[credLen];
    in.readBytes(credentials);
    if (!acceptLimits(maxMessage, maxFrame, keepAliveMs)) {
      return;
    }
    ClientInfo info =
        new ClientInfo(clientId, conn.remoteAddress(), conn.peerCredentials(), Instant.now());
    String refusal;
    try {
      refusal = owner.onHello(this, info, credentials);
    } catch (RuntimeException e) {
      log.warn("authenticator failed for client {}", clientId, e);
      refusal = "authentication failed";
    }
    if (refusal != null) {
      refuse(ErrorCodes.REFUSE_AUTH, refusal);
      return;
    }
    peer = info;
    sendWelcome();
    open();
  }

  private boolean acceptLimits(int maxMessage, int maxFrame, int keepAliveMs) {
    if (maxMessage <= 0 || maxFrame < MIN_FRAME_SIZE || keepAliveMs <= 0) {
      protocolError(
          "invalid limits in handshake: max message " + maxMessage + ", max frame " + maxFrame
              + ", keep-alive " + keepAliveMs + " ms");
      return false;
    }
    peerMaxMessage = maxMessage;
    peerMaxFrame = maxFrame;
    readTimeoutNanos =
        Math.max(config.keepAliveTimeout().toNanos(), TimeUnit.MILLISECONDS.toNanos(3L * keepAliveMs));
    return true;
  }

  private void onWelcome(ByteBuf frame, int payloadStart) {
    if (serverSide || state != HANDSHAKE) {
      protocolError("unexpected WELCOME frame");
      return;
    }
    ByteBuf in = frame.slice(frame.readerIndex() + payloadStart, frame.readableBytes() - payloadStart);
    if (in.readableBytes() < 12) {
      protocolError("WELCOME frame too short");
      return;
    }
    if (!acceptLimits(in.readInt(), in.readInt(), in.readInt())) {
      return;
    }
    peer = new ClientInfo("server", conn.remoteAddress(), conn.peerCredentials(), Instant.now());
    open();
  }

  private void onRefuse(ByteBuf frame) {
    if (serverSide) {
      protocolError("unexpected REFUSE frame");
      return;
    }
    String reason = Frames.text(frame);
    closeCause = ErrorCodes.refused(reason);
    log.warn("server {} refused the handshake: {}", describe(), reason);
    owner.onRefused(this, reason);
    conn.close();
  }

  private void refuse(int code, String reason) {
    log.warn("refusing connection from {}: {}", describe(), reason);
    closeCause = new ConnectionLostException("handshake refused: " + reason);
    writeFrame(Frames.text(alloc, Frames.REFUSE, code, reason));
    flushNow();
    conn.close();
  }

  private void open() {
    state = OPEN;
    if (timer != null) {
      timer.cancel(false);
    }
    scheduleKeepAlive();
    owner.onOpen(this);
    if (!outbox.isEmpty()) {
      drain();
    }
  }

  private void handshakeTimeout() {
    if (state == HANDSHAKE) {
      protocolError("no handshake within " + config.handshakeTimeout().toMillis() + " ms");
    }
  }

  private void scheduleKeepAlive() {
    timer =
        conn.schedule(
            this::keepAliveTick, config.keepAliveInterval().toNanos(), TimeUnit.NANOSECONDS);
  }

  private void keepAliveTick() {
    if (state != OPEN) {
      return;
    }
    long silence = System.nanoTime() - lastReadNanos;
    if (silence > readTimeoutNanos) {
      closeCause =
          new ConnectionLostException(
              "no frame from " + describe() + " for "
                  + TimeUnit.NANOSECONDS.toMillis(silence) + " ms (keep-alive timeout)");
      log.warn("{}", closeCause.getMessage());
      conn.close();
      return;
    }
    if (!wroteSinceTick) {
      writeFrame(Frames.control(alloc, Frames.PING, 0));
      flushIfDirty();
    }
    wroteSinceTick = false;
    scheduleKeepAlive();
  }

  // ---------------------------------------------------------------- closing

  /** Protocol violation by the peer: log, tell the peer why, close. Loop only. */
  void protocolError(String reason) {
    if (state == CLOSED || closeCause != null) {
      return;
    }
    log.warn("closing connection with {}: {}", describe(), reason);
    closeCause = new ConnectionLostException("protocol error: " + reason);
    writeFrame(Frames.text(alloc, Frames.CLOSE, 0, "protocol error: " + reason));
    flushNow();
    conn.close();
  }

  /** Closes cleanly: a CLOSE frame with the reason, then the connection. From any thread. */
  public void close(String reason) {
    conn.execute(
        () -> {
          if (state == CLOSED) {
            return;
          }
          if (closeCause == null) {
            closeCause = new ConnectionLostException(reason);
          }
          drain();
          writeFrame(Frames.text(alloc, Frames.CLOSE, 0, reason));
          flushNow();
          conn.close();
        });
  }

  @Override
  public String toString() {
    ClientInfo p = peer;
    return "Session[" + describe() + (p != null ? ", " + p.clientId() : "") + "]";
  }

  private record Reassembly(
      int type,
      int id,
      int flags,
      int contentType,
      int error,
      byte[] route,
      ByteBuf payload) {}
}
