package io.communica.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.SimpleClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * Many threads calling one client at once, each blocking on its own requests: the check for
 * transports whose callers may take the connection's loop themselves (a caller that writes its
 * request and reads replies on its own thread must hand each reply to the caller it belongs to).
 */
public final class ConcurrentCallers {

  private ConcurrentCallers() {}

  /**
   * Starts {@code threads} threads that each send {@code each} distinct string requests through
   * {@code client} one after the other, blocking on each reply, and asserts that every request was
   * answered with {@code expected} of its own message and that no thread failed.
   *
   * @param expected the reply the server gives to a message
   * @param timeout bounds each reply; each thread is waited for at most twice that
   */
  public static void assertEachGetsItsOwnReply(
      SimpleClient client, UnaryOperator<String> expected, int threads, int each, Duration timeout)
      throws InterruptedException {
    List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger answered = new AtomicInteger();
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int n = t;
      Thread th =
          new Thread(
              () -> {
                try {
                  for (int i = 0; i < each; i++) {
                    String m = n + "-" + i;
                    String reply = client.request(m, String.class).block(timeout);
                    if (!expected.apply(m).equals(reply)) {
                      throw new AssertionError("request " + m + " got " + reply);
                    }
                    answered.incrementAndGet();
                  }
                } catch (Throwable e) {
                  errors.add(e);
                }
              },
              "concurrent-caller-" + t);
      th.setDaemon(true);
      th.start();
      started.add(th);
    }
    for (Thread th : started) {
      th.join(timeout.toMillis() * 2);
    }
    assertThat(errors).isEmpty();
    assertThat(answered.get()).isEqualTo(threads * each);
  }
}
