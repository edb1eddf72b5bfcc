package io.communica.bench.stacks;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * A running workload's shared state: operations completed, errors, and the stop signal. Updated
 * from I/O threads, read by the measuring thread.
 */
public final class Meter {

  private final AtomicLong done = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private final AtomicReference<@Nullable Throwable> firstError = new AtomicReference<>();
  private volatile boolean stopped;

  /** Counts {@code n} completed operations. */
  public void add(long n) {
    done.addAndGet(n);
  }

  /** Operations completed so far. */
  public long count() {
    return done.get();
  }

  /** Counts a failed operation, keeping the first error. */
  public void fail(Throwable t) {
    errors.incrementAndGet();
    firstError.compareAndSet(null, t);
  }

  /** Failed operations so far. */
  public long errors() {
    return errors.get();
  }

  /** The first failure, if any. */
  public @Nullable Throwable firstError() {
    return firstError.get();
  }

  /** Tells the workload to stop issuing operations. */
  public void stop() {
    stopped = true;
  }

  /** Whether the workload should stop. */
  public boolean stopped() {
    return stopped;
  }
}
