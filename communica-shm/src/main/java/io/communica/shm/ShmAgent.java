package io.communica.shm;

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

  // agent thread only
  private final List<ShmConnection> connections = new ArrayList<>();
  private boolean removals;
  private long nextCheck;
  private int idleTurns;

  private ShmAgent(ShmConnector.Idle mode, boolean server) throws IOException {
    this.mode = mode;
    this.selector = Selector.open();
    this.thread =
        new Thread(
            this,
            "communica-shm-" + mode.name().toLowerCase(java.util.Locale.ROOT)
                + (server ? "-server" : "-client"));
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

  boolean inAgent() {
    return Thread.currentThread() == thread;
  }

  /** Runs {@code task} on the agent, after the tasks handed over before it. */
  void execute(Runnable task) {
    tasks.offer(task);
    if (sleeping) {
      selector.wakeup();
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
      try {
        turn();
      } catch (Throwable t) {
        // a connection's failure is its own (it catches what its listener throws): this is a bug
        log.error("shared-memory agent {} failed in a turn; going on", mode, t);
      }
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
      Thread.onSpinWait();
    } else {
      sleep(SLEEP_MILLIS);
    }
  }

  /** Marks this agent asleep everywhere, looks once more, and waits on the selector. */
  private void sleep(long millis) throws IOException {
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
        selector.select(millis);
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
