package io.communica.examples;

import io.communica.core.Connector;
import io.communica.core.SimpleClient;
import java.time.Duration;

/** Sends one request to {@link SimpleServerExample} and prints the reply. */
public final class SimpleClientExample {

  private SimpleClientExample() {}

  public static void main(String[] args) {
    Connector connector = Connector.load(args.length > 0 ? args[0] : "tcp://127.0.0.1:16161");
    try (SimpleClient client = SimpleClient.builder(connector).start()) {
      String reply = client.request("hello", String.class).block(Duration.ofSeconds(30));
      System.out.println("Server responded with '" + reply + "'");
    }
  }
}
