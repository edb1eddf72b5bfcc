package io.communica.core.internal.session;

import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WARN lines of one entity's closes that are not normal: one line per close, at most {@link
 * #DEFAULT_PER_SECOND} a second, so that a flood of bad connections cannot flood the log. Lines over
 * the limit are counted, and the count is reported with the first line of the next second. Any
 * thread.
 */
public final class CloseLog {

  /** Lines logged per second and entity before the rest are only counted. */
  public static final int DEFAULT_PER_SECOND = 10;

  private static final Logger log = LoggerFactory.getLogger(Session.class);
  private static final long SECOND = 1_000_000_000L;

  private final int perSecond;
  private final Consumer<String> sink;
  private final LongSupplier clock;
  private long windowStart;
  private int inWindow;
  private long suppressed;

  /** The log of an entity: WARN lines of the session logger, {@link #DEFAULT_PER_SECOND}. */
  public CloseLog() {
    this(DEFAULT_PER_SECOND, log::warn, System::nanoTime);
  }

  CloseLog(int perSecond, Consumer<String> sink, LongSupplier clock) {
    this.perSecond = perSecond;
    this.sink = sink;
    this.clock = clock;
    this.windowStart = clock.getAsLong();
  }

  /** Logs (or counts) one close of the connection with {@code peer}. */
  public void closed(String peer, String reason) {
    String line;
    synchronized (this) {
      long now = clock.getAsLong();
      long dropped = 0;
      if (now - windowStart >= SECOND) {
        windowStart = now;
        inWindow = 0;
        dropped = suppressed;
        suppressed = 0;
      }
      if (inWindow >= perSecond) {
        suppressed++;
        return;
      }
      inWindow++;
      line =
          "connection with " + peer + " closed: " + reason
              + (dropped > 0 ? " (" + dropped + " more close warnings suppressed before)" : "");
    }
    sink.accept(line);
  }
}
