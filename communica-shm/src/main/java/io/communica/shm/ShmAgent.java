package io.communica.shm;

import io.communica.core.frame.HeapFrames;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.UnsafeBuffer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The polling agent: one thread per idle strategy and side (client or server) per process, serving
 * every shared-memory connection of that strategy and side. It is the connections' loop: each turn it runs the tasks handed to
 * it, then polls every connection's inbound ring and pending writes, and checks the peers' liveness
 * every {@value ShmConnection#CHECK_MILLIS} ms.
 *
 * <p>A turn without work goes to the idle strategy. {@code spin} spins. {@code backoff} spins
 * {@value #SPINS} turns (some 10-20 µs), then sleeps; {@code park} sleeps at once. There is no
 * yielding phase: on a machine with more runnable threads than cores, a thread that yields or
 * spins long loses the processor to others and comes back late, while one woken from a sleep is
 * scheduled promptly (measured: a p50 round trip of 10 ms with 2,000 spins and 50 yields, 0.24 ms
 * with 200 spins, on two cores shared with 1.5 cores of other work).
 * To sleep, the agent marks itself asleep in each connection's header, looks at the rings once
 * more, and waits on a selector over the connections' doorbell sockets (at most {@value
 * #SLEEP_MILLIS} ms). A writer that finds its peer asleep after writing clears the mark and sends
 * one byte on its socket, so a sleeping agent wakes as soon as there is work, and an idle one costs
 * a wake-up a second. A task from another thread wakes it through the selector. The sockets also
 * tell when a peer process ends: the kernel closes them.
 *
 * <p>The connections' loop is whoever holds the agent's owner flag ({@link #inAgent()}): the
 * agent during a turn, or a sending thread that runs a session's task itself while the agent
 * sleeps or spins ({@link #execute(ShmConnection, Runnable)}). Everything the agent keeps for its
 * connections (their list, the staged batch, the reused read buffer) is the owner's.
 */
final class ShmAgent implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(ShmAgent.class);

  /** Empty turns spent spinning by {@code backoff} before it sleeps. */
  static final int SPINS = 200;

  /** Tasks run per turn at most, before the rings are polled. */
  static final int TASKS_PER_TURN = 256;

  /** The longest sleep while connections are open, in ms. */
  static final int SLEEP_MILLIS = 1_000;

  /** The agents of this process, by idle strategy and side: [strategy][0 client, 1 server]. */
  private static final ShmAgent[][] AGENTS = new ShmAgent[ShmConnector.Idle.values().length][2];

  /** Timers of every agent; a timer's task runs on its agent. */
  static final ScheduledThreadPoolExecutor TIMER =
      new ScheduledThreadPoolExecutor(
          1,
          r -> {
            Thread t = new Thread(r, "communica-shm-timer");
            t.setDaemon(true);
            return t;
          });

  static {
    TIMER.setRemoveOnCancelPolicy(true);
  }

  private final ShmConnector.Idle mode;
  private final Thread thread;
  private final Selector selector;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private volatile boolean sleeping;
  /**
   * The thread that is the connections' loop right now: the agent during a turn, or a thread that
   * runs a task handed over while the agent was between turns or asleep (see {@link
   * #execute(ShmConnection, Runnable)}); null between turns.
   */
  private final AtomicReference<Thread> owner = new AtomicReference<>();
  /** Replies polled for on senders' threads, so far (written by the owner only). */
  private volatile long inlinePolls;

  // agent thread only
  private final List<ShmConnection> connections = new ArrayList<>();
  private boolean removals;
  private long nextCheck;
  private int idleTurns;
  private long seenInlinePolls;
  /** Spin turns left that yield the processor: senders poll for their replies themselves. */
  private int yieldTurns;

  private ShmAgent(ShmConnector.Idle mode, boolean server) throws IOException {
    this.mode = mode;
    this.selector = Selector.open();
    String name =
        "communica-shm-" + mode.name().toLowerCase(java.util.Locale.ROOT)
            + (server ? "-server" : "-client");
    // a server's agent is a FastThreadLocalThread: the current call the session keeps for each
    // handler call is then an array read (a ThreadLocal was 11% of a busy server agent). A
    // client's is not: core encodes requests made on such a thread with Netty's pooled direct
    // buffers, which cost a client agent 18% at 256 in flight, against heap arrays otherwise
    this.thread = server ? new FastThreadLocalThread(this, name) : new Thread(this, name);
    thread.setDaemon(true);
  }

  /**
   * The agent of {@code mode} for one side's connections, started on first use. A process that
   * serves and is a client too (a test, a relay) gets two agents, so that the two ends of a
   * connection within one process are not polled by one thread.
   */
  static ShmAgent of(ShmConnector.Idle mode, boolean server) throws IOException {
    synchronized (AGENTS) {
      ShmAgent a = AGENTS[mode.ordinal()][server ? 1 : 0];
      if (a == null) {
        a = new ShmAgent(mode, server);
        a.thread.start();
        AGENTS[mode.ordinal()][server ? 1 : 0] = a;
      }
      return a;
    }
  }

  /** Frames read up to this size are copied into one buffer, lent again while nobody keeps it. */
  static final int REUSED_FRAME = 4096;

  /** Owner: the buffer lent for small frames, null while a listener keeps the last one. */
  private @Nullable ByteBuf frameBuffer;

  /**
   * Owner: an empty buffer for a frame of {@code length} bytes read from a ring: the agent's
   * reused buffer for a small frame (no allocation), else a new one. Handed back by {@link
   * #recycle}.
   */
  ByteBuf frameBuffer(int length) {
    if (length > REUSED_FRAME) {
      return HeapFrames.INSTANCE.heapBuffer(length, length);
    }
    ByteBuf b = frameBuffer;
    if (b == null) {
      b = HeapFrames.INSTANCE.heapBuffer(REUSED_FRAME, REUSED_FRAME);
      frameBuffer = b;
    }
    return b.clear();
  }

  /**
   * Owner: the listener returned from a frame of {@link #frameBuffer}. The reused buffer is kept
   * when the listener kept no reference (a retained slice shares its count, see {@link
   * io.communica.core.transport.FrameListener#onFrame}); else it goes to the listener.
   */
  void recycle(ByteBuf frame) {
    if (frame == frameBuffer && frame.refCnt() == 1) {
      return;
    }
    if (frame == frameBuffer) {
      frameBuffer = null;
    }
    frame.release();
  }

  /** Bytes of small frames staged for one record, at most. */
  static final int STAGE_BYTES = 32 * 1024;

  /** Owner: small frames written and not yet committed, as a BATCH record's content. */
  private final byte[] stageBytes = new byte[STAGE_BYTES];
  private final UnsafeBuffer stage = new UnsafeBuffer(stageBytes);
  private int staged;
  private @Nullable ShmConnection stageOwner;

  /**
   * Owner: adds a small frame of {@code c} to the staged batch; false when it does not fit (the
   * caller commits and writes it itself). The batch of another connection is committed first.
   */
  boolean stage(ShmConnection c, ByteBuf frame, int length, int limit) {
    ShmConnection o = stageOwner;
    if (o != c) {
      if (o != null) {
        o.flush(); // another connection's batch: out first
      }
      stageOwner = c;
    }
    if (staged + 4 + length > Math.min(STAGE_BYTES, limit)) {
      return false;
    }
    stage.putInt(staged, length);
    // one copy whatever the buffer (a direct one's NIO view cost a ByteBuffer per frame)
    frame.getBytes(frame.readerIndex(), stageBytes, staged + 4, length);
    staged += 4 + length;
    return true;
  }

  /** Same as {@link #stage(ShmConnection, ByteBuf, int, int)} for bytes in an array. */
  boolean stage(ShmConnection c, byte[] array, int offset, int length, int limit) {
    ShmConnection o = stageOwner;
    if (o != c) {
      if (o != null) {
        o.flush();
      }
      stageOwner = c;
    }
    if (staged + 4 + length > Math.min(STAGE_BYTES, limit)) {
      return false;
    }
    stage.putInt(staged, length);
    stage.putBytes(staged + 4, array, offset, length);
    staged += 4 + length;
    return true;
  }

  /** Owner: the length of the batch staged for {@code c} in {@link #stageBuffer()}; taken (emptied). */
  int takeStaged(ShmConnection c) {
    if (stageOwner != c) {
      return 0;
    }
    int n = staged;
    staged = 0;
    stageOwner = null;
    return n;
  }

  UnsafeBuffer stageBuffer() {
    return stage;
  }

  /** Owner: commits whatever is staged (end of a turn, or of a task run on a sender's thread). */
  private void commitStage() {
    ShmConnection o = stageOwner;
    if (o != null) {
      o.flush();
    }
  }

  /** Whether the calling thread is the loop now: the agent in a turn, or a sender running a task. */
  boolean inAgent() {
    return owner.get() == Thread.currentThread();
  }

  private boolean tryEnter() {
    return owner.get() == null && owner.compareAndSet(null, Thread.currentThread());
  }

  private void exit() {
    owner.set(null);
  }

  /** Runs {@code task} on the agent thread, after the tasks handed over before it. */
  void execute(Runnable task) {
    tasks.offer(task);
    if (sleeping) {
      selector.wakeup();
    }
  }

  /**
   * Runs a task of {@code c}'s session on the loop, after the tasks handed over before it: on the
   * calling thread when no task waits and nobody is the loop, and the agent sleeps (or spins: under
   * {@code spin}), else on the agent. A request written on the sender's thread so goes into the
   * ring before the agent is woken (it is then, for the reply); an agent awake takes tasks from a queue, several per turn, and
   * writes their frames as one batch (fire-and-forget from a sending thread). With {@code spin}, a
   * task that wrote a request then polls {@code c}'s inbound ring for up to {@value
   * #INLINE_POLL_NANOS} ns, so that a blocking caller usually finds its reply completed before it
   * would park (the peer spins too), as the ring floor's caller does; every reply read meanwhile
   * is delivered here, as the agent would.
   */
  void execute(ShmConnection c, Runnable task) {
    if ((mode != ShmConnector.Idle.SPIN && !sleeping)
        || !tasks.isEmpty()
        || owner.get() != null
        || !tryEnter()) {
      execute(task);
      return;
    }
    boolean request;
    try {
      task.run();
      commitStage();
      request = c.takeWroteRequest();
      if (request && mode == ShmConnector.Idle.SPIN) {
        pollFor(c);
        commitStage();
        return;
      }
    } finally {
      exit();
    }
    if (request) {
      // the request is out without waiting for the agent; wake it now, so that it wakes while
      // the request travels and spins when the reply comes, rather than being woken by the reply
      selector.wakeup();
    }
  }

  /** The longest a sender polls for its reply under {@code spin}, in ns. */
  static final long INLINE_POLL_NANOS = 100_000;

  /** Owner, on a sender's thread: polls {@code c} until it read something, or for a while. */
  private void pollFor(ShmConnection c) {
    inlinePolls++; // one writer at a time: the owner
    long deadline = 0;
    for (int i = 0; !c.isTerminated(); i++) {
      if (c.pollReplies() > 0) {
        return;
      }
      if ((i & 63) == 0) {
        long now = System.nanoTime();
        if (deadline == 0) {
          deadline = now + INLINE_POLL_NANOS;
        } else if (now - deadline > 0) {
          return;
        }
      }
      Thread.onSpinWait();
    }
  }

  /** Agent: starts polling {@code c}, whose doorbell socket joins the selector. */
  void add(ShmConnection c, SocketChannel bell) throws IOException {
    bell.configureBlocking(false);
    bell.register(selector, SelectionKey.OP_READ, c);
    connections.add(c);
  }

  /** Agent: {@code c} ended; it is dropped after the current turn. */
  void removeLater() {
    removals = true;
  }

  @Override
  public void run() {
    while (true) {
      if (!tryEnter()) {
        // a sender's thread is the loop for a moment: leave it the processor
        Thread.yield();
        continue;
      }
      try {
        turn();
        commitStage();
      } catch (Throwable t) {
        // a connection's failure is its own (it catches what its listener throws): this is a bug
        log.error("shared-memory agent {} failed in a turn; going on", mode, t);
      } finally {
        exit();
      }
      if (spinning) {
        spinning = false;
        idleSpin();
      }
    }
  }

  /** Set by a turn without work that spins (outside the loop, so that senders may take it). */
  private boolean spinning;

  /**
   * An empty spin turn: spins, or yields while senders poll for their own replies (under {@code
   * spin}), so that a spinning agent with nothing to do does not take the processor from the
   * thread that polls or from the peer that answers it.
   */
  private void idleSpin() {
    long polls = inlinePolls;
    if (polls != seenInlinePolls) {
      seenInlinePolls = polls;
      yieldTurns = 10_000;
    }
    if (yieldTurns > 0) {
      yieldTurns--;
      Thread.yield();
    } else {
      Thread.onSpinWait();
    }
  }

  private void turn() throws IOException {
    int work = 0;
    // a bounded number: a task that hands over the next (a message sent from the completion of
    // the last) must not keep the rings from being polled
    for (Runnable task; work < TASKS_PER_TURN && (task = tasks.poll()) != null; ) {
      task.run();
      work++;
    }
    List<ShmConnection> cs = connections;
    for (int i = 0, n = cs.size(); i < n; i++) {
      work += cs.get(i).poll();
    }
    if (!cs.isEmpty()) {
      long now = System.currentTimeMillis();
      if (now >= nextCheck) {
        nextCheck = now + ShmConnection.CHECK_MILLIS;
        if (selector.selectNow() > 0) {
          readBells(); // a peer that ended while this agent was busy
        }
        for (int i = 0, n = cs.size(); i < n; i++) {
          cs.get(i).checkPeer(now);
        }
      }
    }
    if (removals) {
      removals = false;
      cs.removeIf(ShmConnection::isTerminated);
    }
    if (work > 0) {
      idleTurns = 0;
      return;
    }
    idleTurns++;
    if (cs.isEmpty()) {
      sleep(0); // nothing to poll: wait for a task
    } else if (mode == ShmConnector.Idle.SPIN
        || (mode == ShmConnector.Idle.BACKOFF && idleTurns <= SPINS)) {
      spinning = true;
    } else {
      sleep(SLEEP_MILLIS);
    }
  }

  /** Marks this agent asleep everywhere, looks once more, and waits on the selector. */
  private void sleep(long millis) throws IOException {
    commitStage();
    List<ShmConnection> cs = connections;
    sleeping = true;
    try {
      for (int i = 0, n = cs.size(); i < n; i++) {
        cs.get(i).asleep(true);
      }
      boolean work = !tasks.isEmpty();
      for (int i = 0, n = cs.size(); i < n && !work; i++) {
        work = cs.get(i).hasWork();
      }
      if (!work) {
        // not the loop while asleep: a sender may write its requests meanwhile
        exit();
        try {
          selector.select(millis);
        } finally {
          while (!tryEnter()) {
            Thread.yield();
          }
        }
      }
    } finally {
      sleeping = false;
      for (int i = 0, n = cs.size(); i < n; i++) {
        cs.get(i).asleep(false);
      }
    }
    readBells();
  }

  private void readBells() {
    Set<SelectionKey> ready = selector.selectedKeys();
    for (SelectionKey k : ready) {
      ((ShmConnection) k.attachment()).onBell(k);
    }
    ready.clear();
  }
}
