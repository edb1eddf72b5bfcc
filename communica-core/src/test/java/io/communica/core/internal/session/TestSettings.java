package io.communica.core.internal.session;

import java.time.Duration;
import java.util.function.LongSupplier;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** Session settings for tests: the keep-alive times, the capability bits and the clock vary. */
record TestSettings(
    Duration keepAliveInterval, Duration keepAliveTimeout, int capabilities, LongSupplier clock)
    implements SessionSettings {

  /** Default keep-alive (10 s / 30 s) on the real clock. */
  static TestSettings withCapabilities(int capabilities) {
    return new TestSettings(
        Duration.ofSeconds(10), Duration.ofSeconds(30), capabilities, System::nanoTime);
  }

  @Override public int maxMessageSize() { return 1 << 20; }
  @Override public int maxFrameSize() { return 64 * 1024; }
  @Override public Duration requestTimeout() { return Duration.ofSeconds(5); }
  @Override public Duration handshakeTimeout() { return Duration.ofSeconds(5); }
  @Override public int maxInFlight() { return 100; }
  @Override public long maxQueuedBytes() { return 1 << 20; }
  @Override public Scheduler blockingScheduler() { return Schedulers.boundedElastic(); }
  @Override public String clientId() { return "test-client"; }
  @Override public byte[] credentials() { return new byte[0]; }
  @Override public long nanoTime() { return clock.getAsLong(); }
}
