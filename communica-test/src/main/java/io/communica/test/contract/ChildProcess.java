package io.communica.test.contract;

import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A child JVM running a communica entity, for tests about other processes: one that connects with
 * a dumped connector string, one that serves and gets killed (both with {@link
 * ContractSerializer}). The child is started with the test's own class path; its standard output
 * is read line by line. {@link #javaCommand} is the command line for any such child.
 */
public final class ChildProcess implements AutoCloseable {

  private final Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final Writer stdin;

  private ChildProcess(Process process) {
    this.process = process;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
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
                // the child is gone
              }
            },
            "child-stdout-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code main} of this class in a child JVM with the given arguments. */
  public static ChildProcess start(String... args) throws IOException {
    return start(ChildProcess.class, args);
  }

  /**
   * Starts {@code main} of {@code type} in a child JVM with the given arguments ({@link
   * #javaCommand}); its standard error goes to this JVM's, its lines of standard output to {@link
   * #awaitLine}.
   */
  public static ChildProcess start(Class<?> type, String... args) throws IOException {
    Process p =
        new ProcessBuilder(javaCommand(type, args))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    return new ChildProcess(p);
  }

  /**
   * The command line that runs {@code main} of {@code type} in a child JVM with this JVM's class
   * path: a small heap, quick start-up, logs on standard error (standard output may carry frames).
   */
  public static List<String> javaCommand(Class<?> type, String... args) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-Xmx256m");
    command.add("-XX:TieredStopAtLevel=1");
    // native libraries (epoll, junixsocket) without Java 22+'s warning; Java 17 accepts it too
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("-Dorg.slf4j.simpleLogger.logFile=System.err");
    command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(type.getName());
    command.addAll(List.of(args));
    return command;
  }

  /** Waits for a line starting with {@code prefix} and returns the rest of it. */
  public String awaitLine(String prefix, Duration timeout) throws InterruptedException {
    return awaitLine(prefix, timeout, null);
  }

  /**
   * Waits for a line starting with {@code prefix} and returns the rest of it; a line starting with
   * {@code failOn} (when not null) fails the wait at once, saying what the child printed.
   */
  public String awaitLine(String prefix, Duration timeout, @Nullable String failOn)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
      if (line == null) {
        throw new AssertionError(
            "child " + pid() + " printed no line starting with '" + prefix + "' within " + timeout
                + (process.isAlive() ? "" : " (it exited with " + process.exitValue() + ")"));
      }
      if (line.startsWith(prefix)) {
        return line.substring(prefix.length());
      }
      if (failOn != null && line.startsWith(failOn)) {
        throw new AssertionError("child " + pid() + " waiting for '" + prefix + "': " + line);
      }
    }
  }

  /** Writes {@code line} and a newline to the child's standard input. */
  public void send(String line) throws IOException {
    synchronized (stdin) {
      stdin.write(line + "\n");
      stdin.flush();
    }
  }

  /** The child's process id. */
  public long pid() {
    return process.pid();
  }

  public Process process() {
    return process;
  }

  /**
   * Kills the child at once (SIGKILL): no close frame, no cleanup; waits until it is gone. The
   * signal goes through the process handle, not {@link Process#destroyForcibly}, which also closes
   * the pipes from the child: lines it printed before it died are still read.
   */
  public void kill() {
    process.toHandle().destroyForcibly();
    try {
      process.onExit().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("child did not die", e);
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      kill();
    }
  }

  /**
   * The child's program. {@code client <dump> <clientId>}: requests "child-hello" and prints {@code
   * REPLY <reply>}. {@code server <dump>}: serves; "stuck" requests never answer and print {@code
   * GOT stuck}, others are echoed; prints {@code READY <bound dump>}. {@code streamer <dump>}:
   * answers every stream with the integers from 1 on, without end; prints {@code READY}.
   */
  public static void main(String[] args) throws Exception {
    Connector connector = Connector.load(args[1]);
    switch (args[0]) {
      case "client" -> {
        try (SimpleClient client =
            SimpleClient.builder(connector)
                .serializer(ContractSerializer.INSTANCE)
                .clientId(args[2])
                .start()) {
          String reply = client.request("child-hello", String.class).block(Duration.ofSeconds(20));
          System.out.println("REPLY " + reply);
        }
        System.exit(0);
      }
      case "server" -> {
        SimpleServer server =
            SimpleServer.builder(connector)
                .serializer(ContractSerializer.INSTANCE)
                .handler(
                    Handler.reactive(
                        String.class,
                        s -> {
                          if (s.equals("stuck")) {
                            System.out.println("GOT stuck");
                            return Mono.never();
                          }
                          return Mono.just("echo:" + s);
                        }))
                .start();
        System.out.println("READY " + server.connector().dump());
        server.run();
      }
      case "streamer" -> {
        SimpleServer server =
            SimpleServer.builder(connector)
                .serializer(ContractSerializer.INSTANCE)
                .handler(Handler.stream(Integer.class, n -> Flux.range(1, Integer.MAX_VALUE)))
                .start();
        System.out.println("READY " + server.connector().dump());
        server.run();
      }
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }
}
