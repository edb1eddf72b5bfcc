package io.communica.amqp;

import java.util.concurrent.atomic.LongAdder;

/**
 * Process-wide counts of this module's broker traffic, for metrics ({@code communica-micrometer}
 * binds them): publisher confirms and nacks, and deliveries the broker marked redelivered.
 *
 * @since 0.2
 */
public final class AmqpCounters {

  private static final LongAdder CONFIRMS = new LongAdder();
  private static final LongAdder NACKS = new LongAdder();
  private static final LongAdder REDELIVERIES = new LongAdder();
  private static final LongAdder BATCHES = new LongAdder();

  private AmqpCounters() {}

  /** Messages the broker confirmed (ack) since the class was loaded. */
  public static long confirms() {
    return CONFIRMS.sum();
  }

  /** Messages the broker refused (nack). */
  public static long nacks() {
    return NACKS.sum();
  }

  /** Deliveries the broker flagged as redelivered (after a channel closed, or a handler failed). */
  public static long redeliveries() {
    return REDELIVERIES.sum();
  }

  /** Batches of fire-and-forget messages ({@link Wire#BATCH_VERSION}) server processes took in. */
  static long batchesTaken() {
    return BATCHES.sum();
  }

  static void batchTaken() {
    BATCHES.increment();
  }

  static void confirmed(boolean ack, int n) {
    (ack ? CONFIRMS : NACKS).add(n);
  }

  static void delivered(boolean redelivered) {
    if (redelivered) {
      REDELIVERIES.increment();
    }
  }
}
