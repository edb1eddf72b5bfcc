package io.communica.core.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The credit policy: batched like limitRate, bounded by the window, nothing without demand. */
@Timeout(10)
class CreditsTest {

  private static final int W = 256;

  @Test
  void theFirstGrantIsNoLargerThanTheFirstRequest() {
    assertThat(Credits.toGrant(W, 0, 0, 5)).isEqualTo(5);
    assertThat(Credits.toGrant(W, 0, 0, Long.MAX_VALUE)).isEqualTo(W);
    assertThat(Credits.toGrant(W, 0, 0, 0)).isZero();
  }

  @Test
  void creditsReturnInHalfWindowsWhileTheSubscriberWantsMore() {
    // everything requested, all 256 granted: nothing until half were taken
    assertThat(Credits.toGrant(W, W, 127, Long.MAX_VALUE)).isZero();
    assertThat(Credits.toGrant(W, W, 128, Long.MAX_VALUE)).isEqualTo(128);
    // one at a time: after the first item the window opens
    assertThat(Credits.toGrant(W, 1, 1, 2)).isEqualTo(W);
  }

  @Test
  void aSubscriberThatStopsRequestingGetsNoMoreCredits() {
    assertThat(Credits.toGrant(W, W + 10, 10, 10)).isZero();
    assertThat(Credits.due(W, W + 10, 10, 10)).isFalse();
  }

  @Test
  void grantedMinusDeliveredNeverExceedsTheWindow() {
    long granted = 0;
    long delivered = 0;
    long requested = 0;
    java.util.Random r = new java.util.Random(7);
    for (int i = 0; i < 100_000; i++) {
      switch (r.nextInt(3)) {
        case 0 -> requested += r.nextInt(10);
        case 1 -> delivered = Math.min(granted, Math.min(requested, delivered + r.nextInt(50)));
        default -> granted += Credits.toGrant(W, granted, delivered, requested);
      }
      assertThat(granted - delivered).isBetween(0L, (long) W);
    }
  }
}
