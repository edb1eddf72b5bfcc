package io.communica.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import org.jspecify.annotations.Nullable;

/**
 * JFR recording of exactly the measured window, when the harness runs with {@code --profile}: it
 * starts the child JVMs with {@code -Dbench.jfr=FILE}; the client records its own window, the
 * server records between the harness's {@code jfr-start} and {@code jfr-stop} commands on its
 * standard input.
 */
final class Profiler {

  static final String PROPERTY = "bench.jfr";

  private @Nullable Recording recording;

  /** Starts recording with JFR's {@code profile} settings if this JVM was asked to. */
  void start() throws IOException {
    String file = System.getProperty(PROPERTY);
    if (file == null || recording != null) {
      return;
    }
    try {
      Recording r = new Recording(Configuration.getConfiguration("profile"));
      // ten times JFR's profile rate: a 10 s window gives thousands of samples per busy thread
      r.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(1));
      r.setToDisk(true);
      r.setDestination(Path.of(file));
      r.start();
      recording = r;
    } catch (ParseException e) {
      throw new IOException("JFR's profile settings do not parse", e);
    }
  }

  /** Stops recording and writes the file. */
  void stop() {
    Recording r = recording;
    if (r != null) {
      recording = null;
      r.stop();
      r.close();
    }
  }
}
