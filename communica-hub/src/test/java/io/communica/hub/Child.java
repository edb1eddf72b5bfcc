package io.communica.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.test.contract.ChildProcess;
import java.io.IOException;
import java.time.Duration;
import java.util.function.Consumer;

/** A child JVM running {@link NodeProcess} or {@link HubMain}: commands in, lines out. */
final class Child implements AutoCloseable {
  static final Duration T = Duration.ofSeconds(30);

  private final ChildProcess process;
  final long pid;

  private Child(Class<?> main, String... args) throws IOException {
    process = ChildProcess.start(main, args);
    pid = process.pid();
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
    process.send(command);
  }

  /** Sends a command and waits for its {@code OK}. */
  void ok(String command) throws Exception {
    send(command);
    await("OK " + command);
  }

  /** Waits for a line starting with {@code prefix}, failing on any ERR line first; returns the rest. */
  String await(String prefix) throws InterruptedException {
    return process.awaitLine(prefix, T, prefix.startsWith("ERR") ? null : "ERR ");
  }

  /** Kills the child at once (SIGKILL): no goodbye to the hub. */
  void kill() {
    process.kill();
  }

  @Override
  public void close() {
    process.close();
  }
}
