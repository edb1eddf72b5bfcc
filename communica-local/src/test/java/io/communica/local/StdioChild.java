package io.communica.local;

import io.communica.test.contract.ChildProcess;

import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.SimpleClient;
import io.communica.core.RouteServer;
import io.communica.core.SimpleServer;
import reactor.core.publisher.Flux;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.time.Duration;
import java.util.List;

/**
 * Child programs for the stdio tests, run in a child JVM. Modes:
 *
 * <ul>
 *   <li>{@code client}: a client on {@code stdio://} that answers "upper:x" (X), "print:x" (prints x
 *       with System.out.println, answers "printed") and "exit:N" (exits with N); on connecting it
 *       requests the parent with "hello from child" and fires "child got: reply" back. Its main
 *       returns: the child lives while the parent keeps the pipe open.
 *   <li>{@code stubborn}: like client, but a non-daemon thread keeps it alive after the pipe
 *       closed, so that only the parent's destroy ends it.
 *   <li>{@code returns}: a client like {@code client} whose main returns right after {@code
 *       start()}, before it connected.
 *   <li>{@code quits}: returns without connecting (exit code 0).
 *   <li>{@code server}: a server on {@code stdio://} echoing "echo:x".
 *   <li>{@code streamer}: a server on {@code stdio://} with a stream route "count" (1 to n) and a
 *       channel route "echo" (each item negated), in the contract suite's serializer.
 *   <li>{@code garbage}: writes a frame header claiming 2 GB to standard output, then waits.
 * </ul>
 */
public final class StdioChild {

  private StdioChild() {}

  public static void main(String[] args) throws Exception {
    Connector stdio = Connector.load("stdio://");
    switch (args[0]) {
      case "client", "stubborn" -> {
        SimpleClient client =
            SimpleClient.builder(stdio)
                .clientId("kid")
                .handler(Handler.nonBlocking(String.class, StdioChild::handle))
                .start();
        String reply = client.request("hello from child", String.class).block(Duration.ofSeconds(20));
        client.fireAndForget("child got: " + reply).block(Duration.ofSeconds(20));
        if (args[0].equals("stubborn")) {
          Thread t = new Thread(StdioChild::sleepForever, "stubborn");
          t.start();
        }
      }
      case "returns" ->
          // main returns at once: the child lives on while its parent keeps the pipe open
          SimpleClient.builder(stdio)
              .clientId("kid")
              .handler(Handler.nonBlocking(String.class, StdioChild::handle))
              .start();
      case "quits" -> {
        // returns without connecting: exits with code 0
      }
      case "server" ->
          SimpleServer.builder(stdio)
              .handler(Handler.nonBlocking(String.class, s -> "echo:" + s))
              .start();
      case "streamer" ->
          RouteServer.builder(stdio)
              .serializer(io.communica.test.contract.ContractSerializer.INSTANCE)
              .route("count", Handler.stream(Integer.class, n -> Flux.range(1, n)))
              .route("echo", Handler.channel(Integer.class, in -> in.map(i -> -i)))
              .start();
      case "garbage" -> {
        try (FileOutputStream out = new FileOutputStream(FileDescriptor.out)) {
          out.write(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3, 4});
          out.flush();
          sleepForever();
        }
      }
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  private static String handle(String s) {
    if (s.startsWith("upper:")) {
      return s.substring(6).toUpperCase();
    }
    if (s.startsWith("print:")) {
      System.out.println(s.substring(6));
      return "printed";
    }
    if (s.startsWith("exit:")) {
      System.exit(Integer.parseInt(s.substring(5)));
    }
    return "unknown " + s;
  }

  private static void sleepForever() {
    try {
      Thread.sleep(Long.MAX_VALUE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The command line that runs {@code main} of {@code type} in a child JVM with this class path. */
  static List<String> java(Class<?> type, String... args) {
    return ChildProcess.javaCommand(type, args);
  }

}
