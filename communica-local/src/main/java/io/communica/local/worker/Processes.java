package io.communica.local.worker;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starting and ending child processes, the same way for {@code StdioConnector} and {@link Worker}.
 * For communica-local's own classes, not applications.
 */
public final class Processes {

  private static final Logger log = LoggerFactory.getLogger(Processes.class);

  private Processes() {}

  /** A checked, immutable copy of a command line. */
  public static List<String> command(List<String> command) {
    requireNonNull(command, "command");
    if (command.isEmpty()) {
      throw new IllegalArgumentException("command is empty");
    }
    command.forEach(part -> requireNonNull(part, "command part"));
    return List.copyOf(command);
  }

  /** A checked grace period. */
  public static Duration grace(Duration grace, String what) {
    requireNonNull(grace, what);
    if (grace.isNegative()) {
      throw new IllegalArgumentException(what + " is negative: " + grace);
    }
    return grace;
  }

  /** Starts {@code command}; standard error is set up by {@code pb} callers. */
  public static Process start(
      ProcessBuilder pb, @Nullable Path directory, Map<String, String> environment)
      throws IOException {
    if (directory != null) {
      pb.directory(directory.toFile());
    }
    pb.environment().putAll(environment);
    return pb.start();
  }

  /**
   * Gives a process whose input was closed {@code grace} to exit, then destroys it, forcibly a
   * second later. Blocks until then.
   */
  public static void end(Process process, Duration grace, String name) {
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        log.info("{} did not exit within {} ms of its input closing: destroying it", name, grace.toMillis());
        process.destroy();
        if (!process.waitFor(1, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
