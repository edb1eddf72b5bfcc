package io.communica.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.test.contract.ChildProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A child JVM running {@link NodeProcess} or {@link HubMain}: commands in, lines out. */
final class Child implements AutoCloseable {
  static final Duration T = Duration.ofSeconds(30);

  private final Process process;
  private final Writer stdin;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  final long pid;

  private Child(Class<?> main, String... args) throws IOException {
    process =
        new ProcessBuilder(ChildProcess.javaCommand(main, args))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    pid = process.pid();
    stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  lines.add(line);
                }
              } catch (IOException e) {
                // gone
              }
            },
            "child-stdout-" + pid);
    reader.setDaemon(true);
    reader.start();
  }

  /** A node process joined to the hub at {@code connector}; returns once it is connected. */
  static Child node(String connector, String id) throws Exception {
    Child c = new Child(NodeProcess.class, connector, id);
    assertThat(c.await("READY ")).isEqualTo(String.valueOf(c.pid));
    return c;
  }

  /**
   * Node processes joined to the hub at {@code connector}, started together so that their JVMs
   * start up side by side; each is handed to {@code keep} (to be closed) before any is awaited, and
   * the call returns once all are connected.
   */
  static Child[] nodes(String connector, Consumer<Child> keep, String... ids) throws Exception {
    Child[] children = new Child[ids.length];
    for (int i = 0; i < ids.length; i++) {
      children[i] = new Child(NodeProcess.class, connector, ids[i]);
      keep.accept(children[i]);
    }
    for (Child c : children) {
      assertThat(c.await("READY ")).isEqualTo(String.valueOf(c.pid));
    }
    return children;
  }

  /** A hub process (HubMain); returns once it listens. */
  static Child hub(String connector, String windowSeconds) throws Exception {
    Child c = new Child(HubMain.class, connector, windowSeconds);
    c.await("HUB ");
    return c;
  }

  void send(String command) throws IOException {
    stdin.write(command + "\n");
    stdin.flush();
  }

  /** Sends a command and waits for its {@code OK}. */
  void ok(String command) throws Exception {
    send(command);
    await("OK " + command);
  }

  /** Waits for a line starting with {@code prefix}, failing on any ERR line first; returns the rest. */
  String await(String prefix) throws InterruptedException {
    long deadline = System.nanoTime() + T.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
      if (line == null) {
        throw new AssertionError(
            "child " + pid + " printed no line starting with '" + prefix + "' within " + T
                + (process.isAlive() ? "" : " (it exited with " + process.exitValue() + ")"));
      }
      if (line.startsWith(prefix)) {
        return line.substring(prefix.length());
      }
      if (line.startsWith("ERR ") && !prefix.startsWith("ERR")) {
        throw new AssertionError("child " + pid + " waiting for '" + prefix + "': " + line);
      }
    }
  }

  /** Kills the child at once (SIGKILL): no goodbye to the hub. */
  void kill() {
    process.destroyForcibly();
    try {
      process.onExit().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("child " + pid + " did not die", e);
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      kill();
    }
  }
}
