package io.communica.examples.shm;

import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.SimpleClient;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The child of {@link ShmParentExample}: connects with the string it was given, times a thousand
 * round trips through the rings, answers the parent's request, and exits when the parent says bye.
 */
public final class ShmChildExample {

  private ShmChildExample() {}

  public static void main(String[] args) throws Exception {
    CountDownLatch bye = new CountDownLatch(1);
    try (SimpleClient client =
        SimpleClient.builder(Connector.load(args[0]))
            .clientId("shm-child")
            .handler(
                Handler.nonBlocking(
                    String.class,
                    s -> {
                      if (s.equals("bye")) {
                        bye.countDown();
                        return null;
                      }
                      return "pid " + ProcessHandle.current().pid();
                    }))
            .start()) {
      System.out.println("shm-child got: " + client.request("shm-child", String.class).block(Duration.ofSeconds(30)));
      long t0 = System.nanoTime();
      for (int i = 0; i < 1000; i++) {
        client.request("ping", String.class).block(Duration.ofSeconds(10));
      }
      System.out.printf("shm-child: 1000 round trips, %.1f us each%n", (System.nanoTime() - t0) / 1e3 / 1000);
      bye.await(30, TimeUnit.SECONDS);
    }
  }
}
