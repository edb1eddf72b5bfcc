package io.communica.examples.local;

import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.SimpleClient;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A child: connects with the string it was given (no transport class named), greets the parent,
 * answers the parent's requests with its pid, and ends when the parent says "bye".
 */
public final class LocalChildExample {

  private LocalChildExample() {}

  public static void main(String[] args) throws Exception {
    CountDownLatch bye = new CountDownLatch(1);
    String pid = String.valueOf(ProcessHandle.current().pid());
    try (SimpleClient client =
        SimpleClient.builder(Connector.load(args[0]))
            .clientId(args[1])
            .handler(
                Handler.nonBlocking(
                    String.class,
                    s -> {
                      if (s.equals("bye")) {
                        bye.countDown();
                        return null;
                      }
                      return "pid " + pid;
                    }))
            .start()) {
      String reply = client.request(args[1], String.class).block(Duration.ofSeconds(30));
      System.out.println(args[1] + " got: " + reply);
      if (!bye.await(60, TimeUnit.SECONDS)) {
        System.out.println(args[1] + ": no bye from the parent");
      }
    }
  }
}
