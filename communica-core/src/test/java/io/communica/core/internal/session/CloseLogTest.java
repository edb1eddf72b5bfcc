package io.communica.core.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A flood of closes cannot flood the log: a few lines a second, the rest counted. */
@Timeout(10)
class CloseLogTest {

  @Test
  void linesOverTheLimitAreCountedAndTheCountReportedTheNextSecond() {
    AtomicLong clock = new AtomicLong();
    List<String> lines = new ArrayList<>();
    CloseLog closes = new CloseLog(10, lines::add, clock::get);
    for (int i = 0; i < 1000; i++) {
      closes.closed("peer-" + i, "protocol error");
      clock.addAndGet(500_000); // 1000 closes in half a second
    }
    assertThat(lines).hasSize(10);
    assertThat(lines.get(0)).isEqualTo("connection with peer-0 closed: protocol error");
    clock.addAndGet(1_000_000_000L);
    closes.closed("late", "keep-alive timeout");
    assertThat(lines).hasSize(11);
    assertThat(lines.get(10)).contains("late").contains("990 more close warnings suppressed");
    closes.closed("later", "reset");
    assertThat(lines.get(11)).doesNotContain("suppressed");
  }
}
