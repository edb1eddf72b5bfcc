package io.communica.examples.local;

import io.communica.local.worker.Worker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A program that knows nothing of communica, driven line by line: {@code cat} where there is one,
 * else {@code python3 -u}, else a tiny Java echo program. Sends three lines, prints the answers,
 * stops the program, starts it again.
 */
public final class WorkerExample {

  private WorkerExample() {}

  public static void main(String[] args) throws Exception {
    BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    try (Worker worker = Worker.builder(echoCommand()).onLine(answers::add).start()) {
      for (int run = 1; run <= 2; run++) {
        for (String line : List.of("one", "two", "three")) {
          worker.send(line + " (run " + run + ")");
          System.out.println("worker answered: " + answers.poll(30, TimeUnit.SECONDS));
        }
        worker.shutdown();
        System.out.println("worker running: " + worker.isRunning()
            + ", exit code " + worker.onExit().block(Duration.ofSeconds(10)));
        if (run == 1) {
          worker.run(); // a new process
        }
      }
    }
  }

  static List<String> echoCommand() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, "cat"))) {
        return List.of(Path.of(dir, "cat").toString());
      }
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, "python3"))) {
        return List.of("python3", "-u", "-c", "import sys\nfor l in sys.stdin: print(l, end='')");
      }
    }
    return Java.command(Echo.class);
  }

  /** The fallback echo program. */
  public static final class Echo {
    private Echo() {}

    public static void main(String[] args) throws Exception {
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line; (line = in.readLine()) != null; ) {
        System.out.println(line);
      }
    }
  }
}
