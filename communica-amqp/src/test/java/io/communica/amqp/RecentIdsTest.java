package io.communica.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The inbox's set of recently finished message ids, against a plain set with a FIFO. */
class RecentIdsTest {

  @Test
  @Timeout(30)
  void keepsExactlyTheLastDistinctKeys() {
    Random rnd = new Random(16);
    for (int round = 0; round < 20; round++) {
      int capacity = 1 << (2 + round % 8);
      RecentIds ids = new RecentIds(capacity);
      Set<Long> ref = new HashSet<>();
      ArrayDeque<Long> order = new ArrayDeque<>();
      long base = rnd.nextLong();
      for (int n = 0; n < 20_000; n++) {
        long key;
        switch (rnd.nextInt(4)) {
          case 0 -> key = Inbox.key(base + n); // a publisher's consecutive ids, scrambled
          case 1 -> key = rnd.nextInt(capacity * 3); // small keys: 0 and long probe runs
          case 2 -> key = (long) rnd.nextInt(64) << 32; // equal low bits: one slot, one run
          default -> key = order.isEmpty() ? 0 : order.peekLast(); // a repeat
        }
        if (rnd.nextBoolean()) {
          assertThat(ids.contains(key)).isEqualTo(ref.contains(key));
        }
        ids.add(key);
        if (ref.add(key)) {
          order.addLast(key);
          if (order.size() > capacity) {
            ref.remove(order.pollFirst());
          }
        }
        assertThat(ids.size()).isEqualTo(ref.size());
      }
      for (Long k : ref) {
        assertThat(ids.contains(k)).as("key %d", k).isTrue();
      }
      for (int i = 0; i < 2_000; i++) {
        long k = rnd.nextInt(capacity * 3);
        assertThat(ids.contains(k)).isEqualTo(ref.contains(k));
      }
    }
  }
}
