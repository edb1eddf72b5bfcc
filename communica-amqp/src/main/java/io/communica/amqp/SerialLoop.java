package io.communica.amqp;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.scheduler.Schedulers;

/**
 * The loop of one {@link BrokerLink}: a serial executor. Its tasks run one at a time, in the order
 * they were submitted, each holding {@link #lock}; they run on a Netty event loop thread shared by
 * the links of the process, except that {@link #executeOrRun} runs a task at once on the calling
 * thread when the loop is idle (nothing queued, nobody running). That is how the session's
 * hand-offs from a caller (a request written from the caller's thread) publish without waking the
 * loop thread, as the raw amqp-client publishes from the caller's thread; "in the loop" ({@link
 * #inEventLoop}) means holding the lock. Its {@link #deliveries} view is amqp-client's consumer
 * executor for the link's connection: a delivery runs on the connection thread that read it when
 * the loop is idle, else on the event loop thread. No other task runs on amqp-client's threads: a
 * channel call waiting for the broker's answer there would wait for itself.
 */
final class SerialLoop {

  private static final Logger log = LoggerFactory.getLogger(SerialLoop.class);

  /**
   * amqp-client's threads for a link's connections: a caller's task never runs inline on them, a
   * delivery only through {@link #deliveries}.
   */
  static final class AmqpThread extends Thread {
    AmqpThread(Runnable r) {
      super(r);
    }
  }

  final EventLoop events;
  private final ReentrantLock lock = new ReentrantLock();
  /** Tasks submitted to the event loop and not yet finished. */
  private final AtomicInteger queued = new AtomicInteger();
  /** Lock-confined: what runs at the end of the current task ({@link #runAtEnd}). */
  private @Nullable Runnable tail;

  SerialLoop(EventLoop events) {
    this.events = events;
  }

  /**
   * Whether the loop is running a task or has some waiting: work handed to it now runs without
   * waking its thread, after what it has at hand.
   */
  boolean busy() {
    return queued.get() > 0 || lock.isLocked();
  }

  /** Whether the calling thread is running a task of this loop. */
  boolean inEventLoop() {
    return lock.isHeldByCurrentThread();
  }

  /** Runs a task on the loop, after the tasks submitted before it (never on the calling thread). */
  void execute(Runnable task) {
    queued.incrementAndGet();
    events.execute(
        () -> {
          lock.lock();
          try {
            run(task);
          } finally {
            lock.unlock();
            queued.decrementAndGet();
          }
        });
  }

  /**
   * Runs a task at once on the calling thread when the loop is idle, else like {@link #execute}.
   * Not inline from within a task of this loop (it runs after the current one), nor on amqp-client's
   * threads, nor on an event loop's or another non-blocking thread (another link's loop, a TCP
   * connection's, Reactor's parallel workers): a publish the broker holds back (flow control, a
   * full socket) would stall everything that thread serves. Those callers hand over as before.
   */
  void executeOrRun(Runnable task) {
    Thread caller = Thread.currentThread();
    if (caller instanceof AmqpThread
        || caller instanceof FastThreadLocalThread
        || Schedulers.isNonBlockingThread(caller)
        || !runHereIfIdle(task)) {
      execute(task);
    }
  }

  /**
   * Runs a task on the calling thread, holding the lock, when the loop is idle (nothing queued,
   * nobody running; the lock tried, never waited for) and the caller is not in a task of the loop
   * (its task runs after the current one); false when it did not run it. A task that throws is
   * logged, as the event loop treats one, not the caller's failure.
   */
  private boolean runHereIfIdle(Runnable task) {
    if (queued.get() != 0 || lock.isHeldByCurrentThread() || !lock.tryLock()) {
      return false;
    }
    try {
      if (queued.get() != 0) { // submitted before it and waiting: it goes after them
        return false;
      }
      try {
        run(task);
      } catch (RuntimeException e) {
        log.warn("a task of the AMQP link failed", e);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * amqp-client's consumer executor for the link's connection. A delivery handed over by
   * amqp-client's connection thread runs at once on that thread when the loop is idle (nothing
   * queued, nobody running), as {@link #executeOrRun} does for a caller: the thread that read the
   * message handles it without waking the loop thread, one wake-up fewer per message than the raw
   * amqp-client's consumer threads make. What it runs there are consumer callbacks: a delivery's
   * handling publishes and acknowledges (asynchronous channel calls) and never waits for the broker;
   * the link's tasks that do (declaring, consuming) go through {@link #execute}, and the lock is
   * only tried, never waited for, so a connection thread never waits for a task waiting for it.
   * Otherwise (the loop busy, another thread) the task is queued like {@link #execute}.
   */
  final ExecutorService deliveries =
      new AbstractExecutorService() {
        @Override
        public void execute(Runnable task) {
          dispatch(task);
        }

        // amqp-client never shuts down an executor it was given

        @Override
        public void shutdown() {}

        @Override
        public List<Runnable> shutdownNow() {
          return List.of();
        }

        @Override
        public boolean isShutdown() {
          return false;
        }

        @Override
        public boolean isTerminated() {
          return false;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
          return false;
        }
      };

  /**
   * Whether deliveries may run on the connection thread: not while the broker blocks the link's
   * publishers ({@code connection.blocked}, a resource alarm): a reply published there could then
   * wait in a socket write, and the thread would read nothing else meanwhile.
   */
  private volatile boolean inlineDeliveries = true;

  void inlineDeliveries(boolean allowed) {
    inlineDeliveries = allowed;
  }

  private void dispatch(Runnable task) {
    if (inlineDeliveries && Thread.currentThread() instanceof AmqpThread) {
      boolean wasInterrupted = Thread.currentThread().isInterrupted();
      boolean ran = runHereIfIdle(task);
      // amqp-client's work-pool runner interrupts its thread when its own bookkeeping fails:
      // harmless on a pool thread, not on the connection thread that reads the socket
      if (!wasInterrupted && Thread.interrupted()) {
        log.debug("cleared an interrupt left by a consumer task on amqp-client's connection thread");
      }
      if (ran) {
        return;
      }
    }
    execute(task);
  }

  private Runnable locked(Runnable task) {
    return () -> {
      lock.lock();
      try {
        run(task);
      } finally {
        lock.unlock();
      }
    };
  }

  /** Holding the lock: the task, then what it left for its end. */
  private void run(Runnable task) {
    try {
      task.run();
    } finally {
      Runnable t;
      while ((t = tail) != null) {
        tail = null;
        t.run();
      }
    }
  }

  /**
   * In the loop: runs {@code r} at the end of the current task when no other task waits (the loop
   * would run it next anyway, after a turn through the event loop's queue), and returns true;
   * false when the caller is to {@link #execute} it instead (other tasks wait: it runs after them,
   * and covers their work too). One such task at a time.
   */
  boolean runAtEnd(Runnable r) {
    if (!lock.isHeldByCurrentThread() || queued.get() > 1 || (tail != null && tail != r)) {
      return false;
    }
    tail = r;
    return true;
  }

  ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
    return events.schedule(locked(task), delay, unit);
  }

  ScheduledFuture<?> scheduleAtFixedRate(Runnable task, long delay, long period, TimeUnit unit) {
    return events.scheduleAtFixedRate(locked(task), delay, period, unit);
  }
}
