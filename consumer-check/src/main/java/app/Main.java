package app;

import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.RouteClient;
import io.communica.core.RouteServer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A user's program: a server and a client over the connector string given as the argument, one
 * request and one fire-and-forget message, exit status 0 when both arrived. It imports nothing
 * but communica-core; the transport is the module on the class path and the string.
 */
public final class Main {

  public record Add(int a, int b) {}

  public record Sum(int value) {}

  public record Note(String text) {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length != 1) {
      System.err.println("usage: app.Main CONNECTOR");
      System.exit(2);
    }
    CountDownLatch noted = new CountDownLatch(1);
    Duration timeout = Duration.ofSeconds(30);
    boolean ok;
    try (RouteServer server =
            RouteServer.builder(Connector.load(args[0]))
                .route("add", Handler.blocking(Add.class, q -> new Sum(q.a() + q.b())))
                .route("note", Handler.consumer(Note.class, n -> noted.countDown()))
                .start();
        RouteClient client = RouteClient.builder(Connector.load(server.connector().dump())).start()) {
      Sum sum = client.request("add", new Add(40, 2), Sum.class).block(timeout);
      client.fireAndForget("note", new Note("hello")).block(timeout);
      boolean delivered = noted.await(timeout.toSeconds(), TimeUnit.SECONDS);
      System.out.println(
          "consumer-check over " + server.connector().dump() + ": sum " + sum
              + ", fire-and-forget " + (delivered ? "delivered" : "NOT delivered"));
      ok = sum != null && sum.value() == 42 && delivered;
    }
    // exit at once: a transport's threads must not keep a finished program alive either way
    System.exit(ok ? 0 : 1);
  }
}
