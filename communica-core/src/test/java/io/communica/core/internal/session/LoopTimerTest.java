package io.communica.core.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.concurrent.DefaultEventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The loop timer fires each entry once at its own due time, in due order, with one task scheduled
 * on the loop at a time; cancelled entries do not fire.
 */
@Timeout(30)
class LoopTimerTest {

  private final DefaultEventExecutor loop = new DefaultEventExecutor();
  /** Tasks the timer scheduled on the loop. */
  private final AtomicInteger scheduled = new AtomicInteger();

  private volatile CountDownLatch keptDone;

  @AfterEach
  void stop() {
    loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** Records when it fired (and when it was due then); counts down the latch. */
  private class Probe extends LoopTimer.Entry {
    final int name;
    final List<Probe> fired;
    CountDownLatch done;
    long firedAt;
    long dueWhenFired;

    Probe(int name, List<Probe> fired, CountDownLatch done) {
      this.name = name;
      this.fired = fired;
      this.done = done;
    }

    @Override
    void fire() {
      firedAt = System.nanoTime();
      dueWhenFired = dueAt;
      fired.add(this);
      done.countDown();
    }

    @Override
    Future<?> scheduleOnLoop(Runnable task, long delayNanos) {
      scheduled.incrementAndGet();
      return loop.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
    }
  }

  private void onLoop(Runnable r) throws Exception {
    loop.submit(r).get(10, TimeUnit.SECONDS);
  }

  @Test
  void entriesFireInDueOrderNotBeforeTheirTimeAndOneTaskServesThoseSetLater() throws Exception {
    List<Probe> fired = new ArrayList<>();
    CountDownLatch done = new CountDownLatch(3);
    int[] armed = new int[1];
    onLoop(
        () -> {
          LoopTimer timer = LoopTimer.ofThisLoop();
          // set latest first: each earlier one moves the task forward
          for (int i = 2; i >= 0; i--) {
            timer.set(new Probe(i, fired, done), TimeUnit.MILLISECONDS.toNanos(40 + 40 * i));
          }
          // one set later than the earliest moves nothing, nor does cancelling it
          Probe late = new Probe(3, fired, done);
          timer.set(late, TimeUnit.MILLISECONDS.toNanos(500));
          timer.cancel(late);
          armed[0] = scheduled.get();
        });
    assertThat(armed[0]).isEqualTo(3);
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    onLoop(() -> {});
    assertThat(fired).extracting(p -> p.name).containsExactly(0, 1, 2);
    for (Probe p : fired) {
      assertThat(p.firedAt - p.dueWhenFired).as("fired at or after its due time").isNotNegative();
    }
    // after the first, a firing arms the task for the next entry only (fewer tasks when one run
    // finds two entries due)
    assertThat(scheduled.get()).isBetween(3, 5);
    onLoop(() -> assertThat(LoopTimer.ofThisLoop().size()).isZero());
  }

  @Test
  void anEntryFiringMaySetItselfAgainAndCancelAnother() throws Exception {
    List<Probe> fired = new ArrayList<>();
    CountDownLatch done = new CountDownLatch(6);
    onLoop(
        () -> {
          LoopTimer timer = LoopTimer.ofThisLoop();
          Probe cancelled = new Probe(2, fired, done);
          // fires five times, setting itself again each time
          Probe periodic =
              new Probe(0, fired, done) {
                int left = 4;

                @Override
                void fire() {
                  super.fire();
                  if (left-- > 0) {
                    timer.set(this, TimeUnit.MILLISECONDS.toNanos(5));
                  }
                }
              };
          // cancels the one due after it
          Probe canceller =
              new Probe(1, fired, done) {
                @Override
                void fire() {
                  super.fire();
                  timer.cancel(cancelled);
                }
              };
          timer.set(periodic, TimeUnit.MILLISECONDS.toNanos(5));
          timer.set(canceller, TimeUnit.MILLISECONDS.toNanos(20));
          timer.set(cancelled, TimeUnit.MILLISECONDS.toNanos(60));
        });
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    onLoop(() -> assertThat(LoopTimer.ofThisLoop().size()).isZero());
    assertThat(fired).extracting(p -> p.name).containsOnly(0, 1).filteredOn(n -> n == 0).hasSize(5);
  }

  @Test
  void aThreadsTimerServesTheFirstLoopThatClaimsItOnly() throws Exception {
    Object first = new Object();
    Object other = new Object();
    boolean[] claims = new boolean[3];
    onLoop(
        () -> {
          LoopTimer timer = LoopTimer.ofThisLoop();
          claims[0] = timer.claim(first);
          claims[1] = timer.claim(other);
          claims[2] = timer.claim(first);
        });
    assertThat(claims).containsExactly(true, false, true);
  }

  @Test
  void manyEntriesSetAndCancelledAtRandomFireOnceEachInOrderAndTheCancelledNever()
      throws Exception {
    Random random = new Random(42);
    int n = 2000;
    List<Probe> fired = new ArrayList<>();
    List<Probe> kept = new ArrayList<>();
    onLoop(
        () -> {
          LoopTimer timer = LoopTimer.ofThisLoop();
          List<Probe> all = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            Probe p = new Probe(i, fired, null); // its latch comes once the kept ones are known
            all.add(p);
            timer.set(p, TimeUnit.MILLISECONDS.toNanos(50 + random.nextInt(200)));
          }
          // cancel a third, set a third again to another time
          for (Probe p : all) {
            int choice = random.nextInt(3);
            if (choice == 0) {
              timer.cancel(p);
              continue;
            }
            if (choice == 1) {
              timer.set(p, TimeUnit.MILLISECONDS.toNanos(50 + random.nextInt(200)));
            }
            kept.add(p);
          }
          // nothing fires before this task ends: the timer runs on this thread
          CountDownLatch done = new CountDownLatch(kept.size());
          for (Probe p : kept) {
            p.done = done;
          }
          keptDone = done;
        });
    assertThat(keptDone.await(10, TimeUnit.SECONDS)).isTrue();
    onLoop(() -> {});
    assertThat(fired).hasSameSizeAs(kept).containsExactlyInAnyOrderElementsOf(kept);
    for (int i = 1; i < fired.size(); i++) {
      assertThat(fired.get(i).dueWhenFired - fired.get(i - 1).dueWhenFired)
          .as("due order")
          .isNotNegative();
    }
    for (Probe p : fired) {
      assertThat(p.firedAt - p.dueWhenFired).as("fired at or after its due time").isNotNegative();
    }
    onLoop(() -> assertThat(LoopTimer.ofThisLoop().size()).isZero());
  }
}
