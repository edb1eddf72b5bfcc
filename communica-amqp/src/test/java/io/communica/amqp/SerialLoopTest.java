package io.communica.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.test.LogCapture;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.scheduler.Schedulers;

/**
 * The link's serial loop: tasks one at a time in submission order, and a caller's task run on the
 * caller's own thread only when the loop is idle and the caller may block (never amqp-client's
 * threads, an event loop or a Reactor non-blocking thread, never nested in a task of the loop); a
 * delivery run on the amqp-client connection thread that read it only when the loop is idle.
 */
class SerialLoopTest {

  private static MultiThreadIoEventLoopGroup group;

  @BeforeAll
  static void start() {
    group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("serial-loop-test", true), LocalIoHandler.newFactory());
  }

  @AfterAll
  static void stop() throws InterruptedException {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
  }

  private static SerialLoop loop() {
    return new SerialLoop((EventLoop) group.next());
  }

  /** Inside a task of the loop: holds the loop until the test lets it go. */
  private static void hold(CountDownLatch release) {
    try {
      release.await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Makes the loop busy: queues a task that holds it until {@code release}, then runs {@code then};
   * returns once that task is running.
   */
  private static void busy(SerialLoop loop, CountDownLatch release, Runnable then) throws InterruptedException {
    CountDownLatch started = new CountDownLatch(1);
    loop.execute(
        () -> {
          started.countDown();
          hold(release);
          then.run();
        });
    assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(loop.busy()).isTrue();
  }

  /** Queues a task that records {@code name} and then counts {@code done} down. */
  private static void last(SerialLoop loop, List<String> order, String name, CountDownLatch done) {
    loop.execute(
        () -> {
          order.add(name);
          done.countDown();
        });
  }

  @Test
  @Timeout(10)
  void anIdleLoopRunsAPlainCallersTaskOnTheCallersThreadHoldingTheLoop() throws Exception {
    SerialLoop loop = loop();
    AtomicReference<Boolean> inLoop = new AtomicReference<>();
    Thread me = Thread.currentThread();
    AtomicReference<Thread> ran = new AtomicReference<>();
    loop.executeOrRun(
        () -> {
          ran.set(Thread.currentThread());
          inLoop.set(loop.inEventLoop());
        });
    assertThat(ran.get()).isSameAs(me);
    assertThat(inLoop.get()).isTrue();
    assertThat(loop.inEventLoop()).isFalse();
    assertThat(loop.busy()).isFalse();
  }

  /**
   * Calls executeOrRun from a thread of {@code kind}: whether the task had run when the call
   * returned (inline), the calling thread, and the thread the task ran on (a hand-over runs it on
   * the loop's thread, maybe before the call returns: only the thread tells).
   */
  private record Outcome(boolean inline, Thread caller, Thread ranOn) {}

  private static Outcome callFrom(SerialLoop loop, java.util.function.Consumer<Runnable> kind) throws Exception {
    CompletableFuture<Thread> ran = new CompletableFuture<>();
    CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    kind.accept(
        () -> {
          loop.executeOrRun(() -> ran.complete(Thread.currentThread()));
          boolean inline = ran.isDone();
          try {
            outcome.complete(new Outcome(inline, Thread.currentThread(), ran.get(5, TimeUnit.SECONDS)));
          } catch (Exception e) {
            outcome.completeExceptionally(e);
          }
        });
    return outcome.get(10, TimeUnit.SECONDS);
  }

  @Test
  @Timeout(30)
  void amqpClientThreadsEventLoopsAndNonBlockingThreadsHandOver() throws Exception {
    SerialLoop loop = loop();
    // amqp-client's threads for the link's connection
    Outcome amqp = callFrom(loop, r -> new SerialLoop.AmqpThread(r).start());
    assertThat(amqp.ranOn()).isNotSameAs(amqp.caller());

    // another Netty event loop (another link's loop, a TCP connection's)
    MultiThreadIoEventLoopGroup other =
        new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("serial-loop-test-other", true), LocalIoHandler.newFactory());
    try {
      Outcome onEventLoop = callFrom(loop, r -> other.next().execute(r));
      assertThat(onEventLoop.ranOn()).isNotSameAs(onEventLoop.caller());
    } finally {
      other.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    // Reactor's non-blocking workers
    var parallel = Schedulers.newParallel("serial-loop-test-parallel", 1);
    try {
      Outcome reactor = callFrom(loop, r -> parallel.schedule(r));
      assertThat(reactor.ranOn()).isNotSameAs(reactor.caller());
    } finally {
      parallel.dispose();
    }

    // and a plain thread that may block runs it itself
    Outcome plain = callFrom(loop, r -> new Thread(r).start());
    assertThat(plain.inline()).isTrue();
    assertThat(plain.ranOn()).isSameAs(plain.caller());
  }

  @Test
  @Timeout(10)
  void aBusyLoopKeepsSubmissionOrderAndATaskSubmittedFromATaskRunsAfterIt() throws Exception {
    SerialLoop loop = loop();
    List<String> order = new CopyOnWriteArrayList<>();
    CountDownLatch release = new CountDownLatch(1);
    // counted down by e and by c: the test waits for both, whichever order they run in
    CountDownLatch done = new CountDownLatch(2);
    busy(
        loop,
        release,
        () -> {
          order.add("a");
          loop.executeOrRun(
              () -> { // from within a task: after it, not nested
                order.add("c");
                done.countDown();
              });
          order.add("b");
        });
    Thread me = Thread.currentThread();
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    loop.executeOrRun(
        () -> {
          ranOn.set(Thread.currentThread());
          order.add("d");
        });
    last(loop, order, "e", done);
    release.countDown();
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    // d was handed over (the loop was busy), so it ran on the loop after a; c, submitted from
    // within a, after everything submitted before it
    assertThat(ranOn.get()).isNotSameAs(me);
    assertThat(order).containsExactly("a", "b", "d", "e", "c");
  }

  @Test
  @Timeout(10)
  void anInlineTaskThatThrowsIsLoggedNotThrownAtTheCaller() throws Exception {
    SerialLoop loop = loop();
    try (LogCapture logs = LogCapture.start()) {
      loop.executeOrRun(
          () -> {
            throw new IllegalStateException("task failure");
          });
      assertThat(logs.text()).contains("a task of the AMQP link failed").contains("task failure");
    }
    // the loop is free again: the next task runs inline too
    Thread me = Thread.currentThread();
    AtomicReference<Thread> ran = new AtomicReference<>();
    loop.executeOrRun(() -> ran.set(Thread.currentThread()));
    assertThat(ran.get()).isSameAs(me);
  }

  @Test
  @Timeout(10)
  void runAtEndRunsAfterTheCurrentTaskOnlyWhenNothingElseWaits() throws Exception {
    SerialLoop loop = loop();
    List<String> order = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    boolean outside = loop.runAtEnd(() -> order.add("never"));
    AtomicReference<Boolean> inside = new AtomicReference<>();
    loop.executeOrRun(
        () -> {
          inside.set(loop.runAtEnd(() -> order.add("end")));
          order.add("task");
        });
    assertThat(outside).isFalse(); // not in the loop
    assertThat(inside.get()).isTrue();
    assertThat(order).containsExactly("task", "end");

    order.clear();
    CountDownLatch queuedBehind = new CountDownLatch(1);
    loop.execute(
        () -> {
          hold(queuedBehind);
          // another task waits: the caller is to execute instead
          order.add(loop.runAtEnd(() -> order.add("x")) ? "kept" : "refused");
        });
    last(loop, order, "next", done);
    queuedBehind.countDown();
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(order).containsExactly("refused", "next");
  }

  /** Runs {@code body} on a new amqp-client connection thread and waits for it. */
  private static void onAmqpThread(Runnable body) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    new SerialLoop.AmqpThread(
            () -> {
              try {
                body.run();
                done.complete(null);
              } catch (Throwable e) {
                done.completeExceptionally(e);
              }
            })
        .start();
    done.get(10, TimeUnit.SECONDS);
  }

  @Test
  @Timeout(10)
  void anIdleLoopRunsADeliveryOnTheConnectionThreadThatReadItHoldingTheLoop() throws Exception {
    SerialLoop loop = loop();
    AtomicReference<Thread> caller = new AtomicReference<>();
    AtomicReference<Thread> ran = new AtomicReference<>();
    AtomicReference<Boolean> inLoop = new AtomicReference<>();
    AtomicReference<Boolean> ranBeforeReturn = new AtomicReference<>();
    onAmqpThread(
        () -> {
          caller.set(Thread.currentThread());
          loop.deliveries.execute(
              () -> {
                ran.set(Thread.currentThread());
                inLoop.set(loop.inEventLoop());
              });
          ranBeforeReturn.set(ran.get() != null);
        });
    assertThat(ranBeforeReturn.get()).isTrue();
    assertThat(ran.get()).isSameAs(caller.get());
    assertThat(inLoop.get()).isTrue();
    assertThat(loop.busy()).isFalse();
  }

  @Test
  @Timeout(10)
  void aDeliveryWaitsBehindABusyLoopAndOtherThreadsAlwaysHandItOver() throws Exception {
    SerialLoop loop = loop();
    List<String> order = new CopyOnWriteArrayList<>();
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    busy(loop, release, () -> order.add("a"));
    AtomicReference<Thread> caller = new AtomicReference<>();
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    // the connection thread does not wait for the loop: the delivery is queued behind "a"
    onAmqpThread(
        () -> {
          caller.set(Thread.currentThread());
          loop.deliveries.execute(
              () -> {
                ranOn.set(Thread.currentThread());
                order.add("delivery");
              });
        });
    last(loop, order, "b", done);
    release.countDown();
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(order).containsExactly("a", "delivery", "b");
    assertThat(ranOn.get()).isNotSameAs(caller.get());

    // a thread that is not amqp-client's (one closing a channel, say) hands it over even when idle
    Thread me = Thread.currentThread();
    CompletableFuture<Thread> handed = new CompletableFuture<>();
    loop.deliveries.execute(() -> handed.complete(Thread.currentThread()));
    assertThat(handed.get(5, TimeUnit.SECONDS)).isNotSameAs(me);
  }

  @Test
  @Timeout(10)
  void aDeliveryThatThrowsOrInterruptsLeavesTheConnectionThreadReading() throws Exception {
    SerialLoop loop = loop();
    AtomicReference<Boolean> interruptedAfter = new AtomicReference<>();
    AtomicReference<Thread> next = new AtomicReference<>();
    try (LogCapture logs = LogCapture.start()) {
      onAmqpThread(
          () -> {
            loop.deliveries.execute(
                () -> {
                  Thread.currentThread().interrupt(); // as amqp-client's work-pool runner does on a failure
                  throw new IllegalStateException("consumer failure");
                });
            interruptedAfter.set(Thread.currentThread().isInterrupted());
            loop.deliveries.execute(() -> next.set(Thread.currentThread()));
            assertThat(next.get()).isSameAs(Thread.currentThread());
          });
      assertThat(logs.text()).contains("a task of the AMQP link failed").contains("consumer failure");
    }
    assertThat(interruptedAfter.get()).isFalse();
    assertThat(loop.busy()).isFalse();
  }
}
