package io.communica.test.fault;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import reactor.core.publisher.Mono;

/**
 * The outcome of every call of a load scenario: sent, answered, failed by error type, and lost
 * (no outcome at all by the time every call's timeout has passed). A call with a timeout must
 * never be lost: {@link #lost()} is what a fault scenario asserts to be 0.
 *
 * <pre>{@code
 * Outcomes outcomes = new Outcomes("cut at 100 kB");
 * for (int i = 0; i < 500; i++) {
 *   outcomes.track(client.request("x" + i, String.class, timeout));
 * }
 * outcomes.await(timeout.plusSeconds(5));
 * System.out.println(outcomes);   // cut at 100 kB: sent 500, answered 312, failed {...}, lost 0
 * }</pre>
 */
public final class Outcomes {

  private final String scenario;
  private final AtomicLong sent = new AtomicLong();
  private final LongAdder answered = new LongAdder();
  private final Map<String, LongAdder> failed = new ConcurrentHashMap<>();
  private final AtomicLong done = new AtomicLong();

  /** Outcomes of the scenario named {@code scenario} (for the printed line). */
  public Outcomes(String scenario) {
    this.scenario = scenario;
  }

  /** Subscribes to {@code call} and records its outcome. */
  public void track(Mono<?> call) {
    sent.incrementAndGet();
    call.subscribe(
        v -> {},
        e -> {
          failed.computeIfAbsent(e.getClass().getSimpleName(), k -> new LongAdder()).increment();
          finished();
        },
        () -> {
          answered.increment();
          finished();
        });
  }

  private void finished() {
    done.incrementAndGet();
    synchronized (this) {
      notifyAll();
    }
  }

  /**
   * Waits until every call tracked so far has an outcome or {@code deadline} has passed; returns
   * whether all have one.
   */
  public boolean await(Duration deadline) throws InterruptedException {
    long end = System.nanoTime() + deadline.toNanos();
    synchronized (this) {
      while (done.get() < sent.get()) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }
    return true;
  }

  public long sent() {
    return sent.get();
  }

  public long answered() {
    return answered.sum();
  }

  /** Calls that failed, by the simple name of the error's type. */
  public Map<String, Long> failed() {
    Map<String, Long> out = new TreeMap<>();
    failed.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /** Calls without an outcome. */
  public long lost() {
    return sent.get() - done.get();
  }

  /** One line: {@code scenario: sent N, answered N, failed {Type=N}, lost N}. */
  @Override
  public String toString() {
    return scenario + ": sent " + sent() + ", answered " + answered() + ", failed " + failed()
        + ", lost " + lost();
  }
}
