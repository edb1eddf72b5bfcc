package io.communica.examples;

import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.SimpleServer;

/**
 * The smallest server: one handler, run until killed. Usage: {@code SimpleServerExample
 * [connector]} (default {@code tcp://127.0.0.1:16161}); pair it with {@link SimpleClientExample}.
 */
public final class SimpleServerExample {

  private SimpleServerExample() {}

  public static void main(String[] args) throws InterruptedException {
    Connector connector = Connector.load(args.length > 0 ? args[0] : "tcp://127.0.0.1:16161");
    SimpleServer server =
        SimpleServer.builder(connector)
            .handler(
                Handler.blocking(
                    String.class,
                    data -> {
                      System.out.println("Received '" + data + "' from client");
                      return "Thanks for your '" + data + "'!";
                    }))
            .build();
    server.run();
  }
}
