package io.communica.bench.stacks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The fire-and-forget backlog against a server whose count is scripted by the test. */
@Timeout(30)
class BacklogTest {

  /**
   * A control connection whose server has lost {@code lost} messages for good and counts no more
   * than {@code ceiling}.
   */
  private static final class Lossy implements BenchClient {
    final long lost;
    long sent;
    long ceiling = Long.MAX_VALUE;
    int looks;
    Runnable onLook = () -> {};

    Lossy(long lost) {
      this.lost = lost;
    }

    @Override
    public Snapshot serverSnapshot() {
      looks++;
      onLook.run();
      return new Snapshot(0, 0, 0, 0, Math.min(ceiling, Math.max(0, sent - lost)), 0);
    }

    @Override
    public void roundTrip(byte[] payload) {}

    @Override
    public void startRequests(byte[] payload, int inFlight, Meter meter) {}

    @Override
    public void runFire(byte[] payload, Meter meter, Backlog backlog) {}

    @Override
    public void close() {}
  }

  /** Sends {@code n} messages through the backlog as a sender does, in batches of 64. */
  private static void send(Backlog backlog, Lossy server, long n) throws Exception {
    for (long left = n; left > 0; ) {
      int p = backlog.permits((int) Math.min(64, left));
      backlog.sent(p);
      server.sent += p;
      left -= p;
    }
  }

  @Test
  void aLossyTransportIsNotHeldBackByMessagesLostLongAgo() throws Exception {
    // any loss below the limit: before, the sender was left a room of limit - loss for good (1 and
    // 100 lost were fast enough either way; 1000 and 1023 took 853 and 20,480 looks)
    for (long lost : new long[] {1, 100, 1000, 1023}) {
      Lossy server = new Lossy(lost);
      Backlog backlog = new Backlog(1024 * 64, 64, server, new Meter(), true);
      send(backlog, server, 20 * backlog.limit());
      // at most three looks a backlog; before, limit / (limit - lost) looks a backlog
      assertThat(server.looks)
          .as("looks for 20 backlogs with %d messages lost", lost)
          .isLessThanOrEqualTo(60);
    }
  }

  @Test
  void aLossyTransportStillWaitsForWhatWasSentSinceThePreviousLook() throws Exception {
    Lossy server = new Lossy(0);
    server.ceiling = 0; // nothing arrives
    Backlog backlog = new Backlog(1024 * 64, 64, server, new Meter(), true);
    send(backlog, server, backlog.limit());
    // the first look cannot write off what was sent since the (absent) previous one: a second
    // look, a control round trip later, does
    assertThat(backlog.permits(64)).isEqualTo(64);
    assertThat(server.looks).isEqualTo(2);
  }

  @Test
  void aReliableTransportWaitsForEveryMessage() throws Exception {
    Lossy server = new Lossy(0);
    server.ceiling = 10; // the rest is slow, not lost
    Meter meter = new Meter();
    Backlog backlog = new Backlog(1024 * 64, 64, server, meter, false);
    send(backlog, server, backlog.limit() + 10);
    int looks = server.looks;
    // the backlog is full: the sender keeps asking, and sends nothing, until the meter stops it
    server.onLook =
        () -> {
          if (server.looks == looks + 50) {
            meter.stop();
          }
        };
    assertThat(backlog.permits(64)).isZero();
    assertThat(server.looks).isEqualTo(looks + 50);
  }
}
