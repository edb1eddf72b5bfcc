package io.communica.examples.local;

import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.SimpleClient;
import java.time.Duration;

/**
 * The child of {@link StdioParentExample}: its standard streams are the connection. It asks the
 * parent one question, then answers the parent's requests. Its {@code main} returns at once; it
 * lives while the parent keeps the pipe open. (Its {@code println} goes to standard error.)
 */
public final class StdioChildExample {

  private StdioChildExample() {}

  public static void main(String[] args) {
    SimpleClient client =
        SimpleClient.builder(Connector.load("stdio://"))
            .handler(Handler.nonBlocking(String.class, s -> s.toUpperCase() + " from pid " + ProcessHandle.current().pid()))
            .start();
    System.out.println(client.request("what is the plan?", String.class).block(Duration.ofSeconds(30)));
  }
}
