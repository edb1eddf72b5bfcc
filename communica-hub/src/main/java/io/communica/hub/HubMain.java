package io.communica.hub;

import io.communica.core.Connector;
import java.time.Duration;

/**
 * Runs a hub from a shell: {@code java -cp ... io.communica.hub.HubMain <connector>
 * [reconnect-window-seconds]}, e.g. {@code tcp://127.0.0.1:54121}. Prints {@code HUB <bound
 * connector>} once it listens (the real port when 0 was given), and runs until killed.
 *
 * @since 0.3
 */
public final class HubMain {

  private HubMain() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length < 1 || args.length > 2) {
      System.err.println("usage: HubMain <connector string> [reconnect window in seconds]");
      System.exit(2);
    }
    Hub.Builder b = Hub.builder(Connector.load(args[0]));
    if (args.length == 2) {
      b.reconnectWindow(Duration.ofMillis((long) (Double.parseDouble(args[1]) * 1000)));
    }
    Hub hub = b.start();
    Runtime.getRuntime().addShutdownHook(new Thread(hub::close, "hub-shutdown"));
    System.out.println("HUB " + hub.connector().dump());
    System.out.flush();
    Thread.currentThread().join();
  }
}
