package io.communica.shm;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingIdleStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The polling agent: one thread per idle strategy per process, serving every shared-memory
 * connection of that strategy. It is the connections' loop: each turn it runs the tasks handed to
 * it, then polls every connection's inbound ring and pending writes, and checks the peers' liveness
 * every {@value ShmConnection#CHECK_MILLIS} ms; a turn without work goes to the idle strategy.
 * Without connections it parks until a task arrives, so a process that used shared memory once
 * spends nothing on it afterwards. Timers run on one shared timer thread that hands their tasks to
 * the agent.
 */
final class ShmAgent implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(ShmAgent.class);

  private static final Map<ShmConnector.Idle, ShmAgent> AGENTS = new EnumMap<>(ShmConnector.Idle.class);

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
  private final IdleStrategy idle;
  private final Thread thread;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private volatile boolean sleeping;

  // agent thread only
  private final List<ShmConnection> connections = new ArrayList<>();
  private boolean removals;
  private long nextCheck;

  private ShmAgent(ShmConnector.Idle mode) {
    this.mode = mode;
    this.idle =
        switch (mode) {
          case SPIN -> new BusySpinIdleStrategy();
          case BACKOFF ->
              new BackoffIdleStrategy(
                  100, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(1));
          case PARK -> new SleepingIdleStrategy(TimeUnit.MILLISECONDS.toNanos(1));
        };
    this.thread = new Thread(this, "communica-shm-" + mode.name().toLowerCase(java.util.Locale.ROOT));
    thread.setDaemon(true);
  }

  /** The agent of {@code mode}, started on first use. */
  static ShmAgent of(ShmConnector.Idle mode) {
    synchronized (AGENTS) {
      return AGENTS.computeIfAbsent(
          mode,
          m -> {
            ShmAgent a = new ShmAgent(m);
            a.thread.start();
            return a;
          });
    }
  }

  boolean inAgent() {
    return Thread.currentThread() == thread;
  }

  /** Runs {@code task} on the agent, after the tasks handed over before it. */
  void execute(Runnable task) {
    tasks.offer(task);
    if (sleeping) {
      LockSupport.unpark(thread);
    }
  }

  /** Agent: starts polling {@code c}. */
  void add(ShmConnection c) {
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

  private void turn() {
    int work = 0;
    for (Runnable task; (task = tasks.poll()) != null; ) {
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
      idle.reset();
      return;
    }
    if (mode == ShmConnector.Idle.SPIN && !cs.isEmpty()) {
      idle.idle(); // never parks: no wake-up needed
      return;
    }
    sleeping = true;
    try {
      if (tasks.isEmpty()) {
        if (cs.isEmpty()) {
          LockSupport.park(this); // nothing to poll: wait for a task
        } else {
          idle.idle();
        }
      }
    } finally {
      sleeping = false;
    }
  }
}
