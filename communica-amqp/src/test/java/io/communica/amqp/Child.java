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
 * answering {@code <pid>:<request>}. Both print {@code READY} once serving (kept out of {@link
 * #lines}).
 */
final class Child implements AutoCloseable {

  final Process process;
  final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  /** Counted down when the child's output ended (everything it printed is in {@link #lines}). */
  final java.util.concurrent.CountDownLatch outputEnded = new java.util.concurrent.CountDownLatch(1);

  private final java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(1);

  /** What the child logged (its standard error), also echoed to this process's standard error. */
  private final java.util.concurrent.ConcurrentLinkedDeque<String> log =
      new java.util.concurrent.ConcurrentLinkedDeque<>();

  private static final int LOG_LINES = 200;

  private Child(Process process) {
    this.process = process;
    read(
        process.getInputStream(),
        line -> {
          // the first deliveries can be handled (GOT lines) before main prints READY
          if (ready.getCount() > 0 && line.equals("READY")) {
            ready.countDown();
          } else {
            lines.add(line);
          }
        },
        outputEnded::countDown,
        "child-reader");
    read(
        process.getErrorStream(),
        line -> {
          System.err.println(line);
          log.addLast(line);
          if (log.size() > LOG_LINES) {
            log.pollFirst();
          }
        },
        () -> {},
        "child-log-reader");
  }

  private static void read(
      java.io.InputStream in,
      java.util.function.Consumer<String> each,
      Runnable atEnd,
      String name) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  each.accept(line);
                }
              } catch (java.io.IOException e) {
                // gone
              } finally {
                atEnd.run();
              }
            },
            name);
    t.setDaemon(true);
    t.start();
  }

  /** The last lines the child logged, for a failure message. */
  String logTail() {
    return String.join("\n", log);
  }

  static Child start(String mode, Connector connector) throws Exception {
    Process p =
        new ProcessBuilder(
                ChildProcess.javaCommand(Child.class, mode, connector.dump()))
            .start();
    Child c = new Child(p);
    if (!c.ready.await(30, TimeUnit.SECONDS)) {
      c.close();
      throw new AssertionError("child did not start; it printed " + c.lines + " and logged:\n" + c.logTail());
    }
    return c;
  }

  long pid() {
    return process.pid();
  }

  /**
   * SIGKILL: no close, no acknowledgement; waits until the process is gone. Sent through the
   * process handle, not {@link Process#destroyForcibly}, which also closes the pipes from the
   * child: what it printed and this process had not read yet (the last GOT lines of a busy child)
   * would be lost, and messages it handled would look as if they never were.
   */
  void kill() {
    process.toHandle().destroyForcibly();
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
    // the library's own logging, down to debug: what a failing test shows of the child's end
    System.setProperty("org.slf4j.simpleLogger.log.io.communica", "debug");
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
