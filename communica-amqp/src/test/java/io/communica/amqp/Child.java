package io.communica.amqp;

import io.communica.test.contract.ChildProcess;

import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.SimpleServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A server in a child JVM, for tests about a process dying. {@code count <dump>}: a consumer
 * that prints {@code GOT <message>} for each message; {@code echo <dump>}: a blocking handler
 * answering {@code <pid>:<request>}. Both print {@code READY} once serving.
 */
final class Child implements AutoCloseable {

  final Process process;
  final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  /** Counted down when the child's output ended (everything it printed is in {@link #lines}). */
  final java.util.concurrent.CountDownLatch outputEnded = new java.util.concurrent.CountDownLatch(1);

  private Child(Process process) {
    this.process = process;
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  lines.add(line);
                }
              } catch (java.io.IOException e) {
                // gone
              } finally {
                outputEnded.countDown();
              }
            },
            "child-reader");
    t.setDaemon(true);
    t.start();
  }

  static Child start(String mode, Connector connector) throws Exception {
    Process p =
        new ProcessBuilder(
                ChildProcess.javaCommand(Child.class, mode, connector.dump()))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    Child c = new Child(p);
    String first = c.lines.poll(30, TimeUnit.SECONDS);
    if (!"READY".equals(first)) {
      c.close();
      throw new AssertionError("child did not start: " + first);
    }
    return c;
  }

  long pid() {
    return process.pid();
  }

  /** SIGKILL: no close, no acknowledgement; waits until the process is gone. */
  void kill() {
    process.destroyForcibly();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        throw new AssertionError("child did not die");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while killing the child", e);
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      kill();
    }
  }

  public static void main(String[] args) throws Exception {
    Connector connector = Connector.load(args[1]);
    long pid = ProcessHandle.current().pid();
    Handler h =
        switch (args[0]) {
          case "count" -> Handler.consumer(String.class, s -> System.out.println("GOT " + s));
          case "echo" ->
              Handler.blocking(
                  String.class,
                  s -> {
                    // a little work, so that two servers share it
                    java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
                    return pid + ":" + s;
                  });
          default -> throw new IllegalArgumentException(args[0]);
        };
    SimpleServer server = SimpleServer.builder(connector).handler(h).start();
    System.out.println("READY");
    server.run();
  }
}
