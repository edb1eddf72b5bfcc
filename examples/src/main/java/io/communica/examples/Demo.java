package io.communica.examples;

import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.RequestException;
import io.communica.core.RouteClient;
import io.communica.core.RouteServer;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.examples.Messages.AddReply;
import io.communica.examples.Messages.AddRequest;
import io.communica.examples.Messages.LogLine;
import io.communica.examples.local.LocalParentExample;
import io.communica.examples.local.StdioParentExample;
import io.communica.examples.local.WorkerExample;
import io.communica.examples.shm.ShmParentExample;
import io.communica.examples.udp.TelemetryReceiverExample;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import reactor.core.publisher.Flux;

/**
 * The README's demo: every way of talking, over the transport its argument names (default TCP on
 * an ephemeral loopback port). Exits 0 when every scenario did what it shows, 1 otherwise.
 *
 * <ol>
 *   <li>request/response with a simple server and client;
 *   <li>routes, typed records as JSON, and the error model;
 *   <li>logging with fire-and-forget messages, which arrive in order;
 *   <li>a server that requests its client;
 *   <li>streams and channels: a progress feed, a chat-style channel;
 *   <li>a parent that starts a child JVM with {@code connector.dump()} on its command line;
 *   <li>local IPC: a Unix-socket server with three child JVMs, a child over stdin/stdout, and a
 *       foreign program driven line by line;
 *   <li>an interface called as a local object (socpipe's {@code add}), in both directions;
 *   <li>shared memory with a child JVM, and telemetry records over UDP datagrams;
 *   <li>a hub: a producer's events reach a logger in order, a signal reaches its listener.
 * </ol>
 */
public final class Demo {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private Demo() {}

  public static void main(String[] args) throws Exception {
    String address = perRun(args.length > 0 ? args[0] : "tcp://127.0.0.1:0");
    boolean ok = true;
    ok &= simple(Connector.load(address));
    ok &= routes(Connector.load(address));
    ok &= logging(Connector.load(address));
    ok &= serverCallsClient(Connector.load(address));
    ok &= streams(Connector.load(address));
    ok &= childProcess(Connector.load(address));
    ok &= localTransports();
    ok &= interfaces(Connector.load(address));
    ok &= sharedMemoryAndDatagrams();
    ok &= hub(Connector.load(address));
    System.out.println(ok ? "\nDemo finished: all scenarios passed." : "\nDemo FAILED.");
    System.exit(ok ? 0 : 1);
  }

  /**
   * Over a broker, an address of this run's own (the given one with a random suffix): two runs on
   * one broker then never see each other's clients or leftover messages. Its queues expire ten
   * minutes after the run unless the string says otherwise.
   */
  static String perRun(String connector) {
    if (!connector.startsWith("amqp")) {
      return connector;
    }
    String suffix =
        "-" + Long.toString(java.util.concurrent.ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    String s = connector.replaceFirst("([?&]address=[A-Za-z0-9._-]+)", "$1" + suffix);
    return s.contains("xpires=") ? s : s + "&expires=10m&addressExpires=10m";
  }

  private static void title(String s) {
    System.out.println("\n== " + s);
  }

  private static boolean check(boolean condition, String what) {
    System.out.println((condition ? "   ok: " : "   FAILED: ") + what);
    return condition;
  }

  static boolean simple(Connector connector) {
    title("1. Request/response (SimpleServer, SimpleClient)");
    try (SimpleServer server =
            SimpleServer.builder(connector)
                .handler(Handler.blocking(String.class, data -> "Thanks for your '" + data + "'!"))
                .start();
        SimpleClient client = SimpleClient.builder(server.connector()).start()) {
      System.out.println("   server listening on " + server.connector());
      String reply = client.request("hello", String.class).block(TIMEOUT);
      System.out.println("   client got: " + reply);
      List<String> many =
          Flux.range(1, 1000)
              .flatMap(i -> client.request("n" + i, String.class), 256)
              .collectList()
              .block(TIMEOUT);
      return check("Thanks for your 'hello'!".equals(reply), "reply to one request")
          & check(many.size() == 1000, "1000 concurrent requests answered");
    }
  }

  static boolean routes(Connector connector) {
    title("2. Routes, records and errors (RouteServer, RouteClient)");
    try (RouteServer server =
            RouteServer.builder(connector)
                .route("add", Handler.nonBlocking(AddRequest.class, r -> new AddReply(r.a() + r.b())))
                .route(
                    "divide",
                    Handler.blocking(
                        AddRequest.class,
                        r -> {
                          if (r.b() == 0) {
                            throw new RequestException("cannot divide by zero", 400);
                          }
                          return new AddReply(r.a() / r.b());
                        }))
                .start();
        RouteClient client = RouteClient.builder(server.connector()).start()) {
      AddReply sum = client.request("add", new AddRequest(2, 3), AddReply.class).block(TIMEOUT);
      System.out.println("   add(2, 3) = " + sum);
      String refused;
      try {
        client.request("divide", new AddRequest(1, 0), AddReply.class).block(TIMEOUT);
        refused = "no error";
      } catch (RequestException e) {
        refused = e.toString();
      }
      System.out.println("   divide(1, 0) -> " + refused);
      String unknown;
      try {
        client.request("multiply", new AddRequest(1, 0), AddReply.class).block(TIMEOUT);
        unknown = "no error";
      } catch (RequestException e) {
        unknown = e.getMessage();
      }
      System.out.println("   multiply -> " + unknown);
      return check(sum != null && sum.sum() == 5, "typed reply decoded")
          & check(refused.contains("code 400") && refused.contains("divide by zero"),
              "RequestException crossed with message and code")
          & check(unknown.contains("unknown route 'multiply'"), "unknown route is a RequestException");
    }
  }

  static boolean logging(Connector connector) throws InterruptedException {
    title("3. Logging with fire-and-forget");
    List<String> received = new ArrayList<>();
    CountDownLatch all = new CountDownLatch(5);
    try (RouteServer server =
            RouteServer.builder(connector)
                .route(
                    "log",
                    Handler.consumer(
                        LogLine.class,
                        line -> {
                          System.out.println("   [server log] " + line.level() + " " + line.text());
                          synchronized (received) {
                            received.add(line.text());
                          }
                          all.countDown();
                        }))
                .start();
        RouteClient client = RouteClient.builder(server.connector()).start()) {
      for (int i = 1; i <= 5; i++) {
        client.fireAndForget("log", new LogLine("INFO", "step " + i)).block(TIMEOUT);
      }
      boolean arrived = all.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      synchronized (received) {
        return check(arrived, "5 messages handled")
            & check(received.equals(List.of("step 1", "step 2", "step 3", "step 4", "step 5")),
                "in the order sent");
      }
    }
  }

  static boolean serverCallsClient(Connector connector) {
    title("4. The server requests its client");
    try (SimpleServer server =
            SimpleServer.builder(connector).handler(Handler.nonBlocking(String.class, s -> s)).start();
        SimpleClient client =
            SimpleClient.builder(server.connector())
                .clientId("worker-1")
                .handler(Handler.blocking(String.class, task -> "worker-1 did " + task))
                .start()) {
      client.connected().block(TIMEOUT);
      System.out.println("   connected clients: " + server.clientIds());
      String byId = server.requestClient("worker-1", "the dishes", String.class).block(TIMEOUT);
      String any = server.request("the laundry", String.class).block(TIMEOUT);
      System.out.println("   " + byId + "; " + any);
      return check("worker-1 did the dishes".equals(byId), "request by client id")
          & check("worker-1 did the laundry".equals(any), "request to any client");
    }
  }

  static boolean localTransports() throws Exception {
    title("7. Local IPC: a Unix socket with three child JVMs (communica-local)");
    String local = captured(() -> LocalParentExample.main(new String[0]));
    boolean ok = true;
    for (int i = 1; i <= 3; i++) {
      ok &= check(local.contains("child-" + i + " got: parent says hello to child-" + i),
          "child-" + i + " answered over the socket, and was requested back");
    }
    ok &= check(local.contains("credentials PeerCredentials[pid="), "peer pid and uid read by the server");
    title("8. A child driven over its stdin/stdout");
    String stdio = captured(() -> StdioParentExample.main(new String[0]));
    ok &= check(stdio.contains("parent got: ALPHA from pid"), "request and reply over pipes");
    ok &= check(stdio.contains("child exited with 0"), "closing the parent ended the child cleanly");
    title("9. A foreign program driven line by line (Worker)");
    String worker = captured(() -> WorkerExample.main(new String[0]));
    ok &= check(worker.contains("worker answered: three (run 2)"), "lines in and out, restarted once");
    return ok;
  }

  static boolean sharedMemoryAndDatagrams() throws Exception {
    title("11. Shared memory with a child JVM (communica-shm)");
    String shm = captured(() -> ShmParentExample.main(new String[0]));
    boolean ok = check(shm.contains("shm-child got: parent says hello to shm-child"), "a request through the rings");
    ok &= check(shm.contains("shm-child answered pid "), "the parent requested the child back");
    ok &= check(shm.contains("child pid") && shm.contains("exited with 0"), "the child exited cleanly");
    title("12. Telemetry over UDP datagrams (communica-udp)");
    String udp = captured(() -> TelemetryReceiverExample.main(new String[0]));
    ok &= check(udp.contains("sender: fired 1000 readings; the receiver has "), "readings fired, status asked");
    ok &= check(udp.contains("sender exited with 0"), "the sender exited cleanly");
    return ok;
  }

  interface Main {
    void run() throws Exception;
  }

  /** Runs an example, showing its output indented, and returns the output for the checks. */
  static boolean hub(Connector connector) throws Exception {
    title("13. Hub: events and signals (communica-hub)");
    HubExample.Outcome o = HubExample.run(connector, 5);
    return check(o.logged().size() == 5 && o.inOrder(), "the logger got the 5 readings in order")
        & check(o.signals() == 1, "the signal listener got the producer's signal")
        & check(o.leftSeen(), "the logger saw the producer leave");
  }

  static boolean streams(Connector connector) {
    title("5. Streams and channels (requestStream, requestChannel)");
    try (RouteServer server = StreamsExample.server(connector);
        RouteClient client = RouteClient.builder(server.connector()).start()) {
      List<Messages.Progress> progress =
          StreamsExample.followJob(client, new Messages.Job("backup", 5));
      List<Messages.ChatLine> answers = StreamsExample.chat(client, "hello", "bye");
      return check(
              progress.size() == 5 && progress.get(4).percent() == 100,
              "five progress reports, the last at 100%")
          & check(
              answers.size() == 3 && answers.get(2).text().equals("ann said 'bye'"),
              "a greeting, then an answer per line, in order");
    }
  }

  private static String captured(Main main) throws Exception {
    java.io.PrintStream old = System.out;
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      main.run();
    } finally {
      System.setOut(old);
    }
    String text = out.toString(java.nio.charset.StandardCharsets.UTF_8);
    for (String line : text.split("\n")) {
      old.println("   " + line);
    }
    return text;
  }

  static boolean childProcess(Connector connector) throws IOException, InterruptedException {
    title("6. A child process connects with a dumped connector string");
    try (RouteServer server =
        RouteServer.builder(connector)
            .route("add", Handler.nonBlocking(AddRequest.class, r -> new AddReply(r.a() + r.b())))
            .start()) {
      String dumped = server.connector().dump();
      System.out.println("   starting a child JVM with argument " + server.connector());
      Process child =
          new ProcessBuilder(
                  ProcessHandle.current().info().command().orElse("java"),
                  "--enable-native-access=ALL-UNNAMED",
                  "-cp",
                  System.getProperty("java.class.path"),
                  ChildWorker.class.getName(),
                  dumped)
              .redirectErrorStream(true)
              .start();
      String output = new String(child.getInputStream().readAllBytes()).trim();
      boolean exited = child.waitFor(60, TimeUnit.SECONDS);
      System.out.println("   child said: " + output.replace("\n", "\n   child said: "));
      return check(exited && child.exitValue() == 0, "child exited 0")
          & check(output.contains("got sum 42"), "child's request answered");
    }
  }
  static boolean interfaces(Connector connector) throws Exception {
    title("10. Interfaces as remote objects (socpipe's add)");
    ApiServerExample.Arithmetic onClient = new ApiServerExample.Arithmetic();
    try (RouteServer server =
            RouteServer.builder(connector)
                .expose(Calculator.class, new ApiServerExample.Arithmetic())
                .start();
        RouteClient client =
            RouteClient.builder(server.connector())
                .clientId("calculator-client")
                .expose(Calculator.class, onClient)
                .start()) {
      Calculator api = client.proxy(Calculator.class);
      int three = api.add(1, 2);
      System.out.println("   api.add(1, 2) = " + three + "   (" + api + ")");
      Integer six = api.sum(List.of(1, 2, 3)).block(TIMEOUT);
      System.out.println("   api.sum([1, 2, 3]) = " + six);
      List<Integer> counted = api.count(1, 5).collectList().block(TIMEOUT);
      System.out.println("   api.count(1, 5) streamed " + counted);
      String refused;
      try {
        api.divide(1, 0);
        refused = "no error";
      } catch (Calculator.DivisionByZeroException e) {
        refused = e.getMessage();
      }
      System.out.println("   api.divide(1, 0) threw DivisionByZeroException: " + refused);
      client.connected().block(TIMEOUT);
      int back = server.proxy(Calculator.class, "calculator-client").add(40, 2);
      System.out.println("   the server calls its client's Calculator: add(40, 2) = " + back);
      return check(three == 3, "a blocking call returned the sum")
          & check(six != null && six == 6, "a Mono call with a List argument")
          & check(List.of(1, 2, 3, 4, 5).equals(counted), "a Flux call streamed its items in order")
          & check(refused.contains("by zero"), "a declared exception arrived as its own type")
          & check(back == 42, "the server called the client's implementation");
    }
  }
}
