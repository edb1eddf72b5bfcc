package io.communica.test;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Captures what is logged while it is open. The tests' SLF4J binding is slf4j-simple, which writes
 * every line to whatever {@code System.err} is at the time; this puts a tee there (the lines still
 * reach the test's output) and gives back the text. Tests that look at the log must not run in
 * parallel with each other.
 *
 * <pre>{@code
 * try (LogCapture logs = LogCapture.start()) {
 *   ...
 *   assertThat(logs.text()).contains("refused").doesNotContain(secret);
 * }
 * }</pre>
 */
public final class LogCapture implements AutoCloseable {

  private final PrintStream original = System.err;
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

  private LogCapture() {
    OutputStream tee =
        new OutputStream() {
          @Override
          public void write(int b) {
            synchronized (captured) {
              captured.write(b);
              captured.notifyAll();
            }
            original.write(b);
          }

          @Override
          public void write(byte[] b, int off, int len) {
            synchronized (captured) {
              captured.write(b, off, len);
              captured.notifyAll();
            }
            original.write(b, off, len);
          }
        };
    System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
  }

  /** Starts capturing. */
  public static LogCapture start() {
    return new LogCapture();
  }

  /** Everything logged so far. */
  public String text() {
    synchronized (captured) {
      return captured.toString(StandardCharsets.UTF_8);
    }
  }

  /**
   * Everything logged once it contains {@code expected}, waiting for it up to {@code timeout} (a
   * line logged by another thread after the event the test saw, e.g. a server's close after the
   * client got its refusal).
   *
   * @throws AssertionError when it was not logged in time
   */
  public String await(String expected, java.time.Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (captured) {
      while (!captured.toString(StandardCharsets.UTF_8).contains(expected)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError(
              "not logged within " + timeout + ": '" + expected + "'; logged:\n" + text());
        }
        captured.wait(Math.max(1, left / 1_000_000));
      }
      return captured.toString(StandardCharsets.UTF_8);
    }
  }

  @Override
  public void close() {
    System.err.flush();
    System.setErr(original);
  }
}
