package io.communica.amqp;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.communica.core.SimpleClient;
import io.communica.core.transport.ConnectorUri;
import io.communica.test.contract.ConnectorContract.Resources;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The broker the tests use: {@code COMMUNICA_AMQP_URI} (default {@code
 * amqp://guest:guest@127.0.0.1:5672}). Every test uses its own address name; queues of test
 * addresses expire a minute after their last use.
 */
final class Broker {

  static final String URI =
      System.getenv().getOrDefault("COMMUNICA_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672");

  /** Short liveness so that "no server" tests are quick; queues that clean themselves up. */
  static final String TEST_OPTIONS = "liveness=3s&expires=1m&addressExpires=1m";

  private static volatile Boolean reachable;

  private Broker() {}

  static boolean reachable() {
    Boolean r = reachable;
    if (r == null) {
      ConnectorUri u = ConnectorUri.parse(URI);
      int port = u.port() > 0 ? u.port() : 5672;
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(u.host(), port), 2000);
        r = true;
      } catch (IOException e) {
        r = false;
      }
      reachable = r;
    }
    return r;
  }

  static String uniqueAddress(String base) {
    return base + "-" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
  }

  /** A connector to a fresh address with the test options. */
  static AmqpConnector connector(String base) {
    return connector(base, "");
  }

  /**
   * A connector to a fresh address with the test options, some replaced or added by {@code
   * options} ({@code a=b&c=d}).
   */
  static AmqpConnector connector(String base, String options) {
    java.util.Map<String, String> all = new java.util.LinkedHashMap<>();
    for (String o : (TEST_OPTIONS + (options.isEmpty() ? "" : "&" + options)).split("&")) {
      all.put(o.substring(0, o.indexOf('=')), o.substring(o.indexOf('=') + 1));
    }
    StringBuilder s = new StringBuilder(URI).append(URI.indexOf('?') >= 0 ? "&" : "?");
    all.forEach((k, v) -> s.append(k).append('=').append(v).append('&'));
    s.append("address=").append(uniqueAddress(base));
    return (AmqpConnector) io.communica.core.Connector.load(s.toString());
  }

  /** A plain amqp-client connection to the test broker, for raw publishing and inspection. */
  static Connection raw() throws Exception {
    ConnectionFactory f = new ConnectionFactory();
    f.setUri(URI);
    return f.newConnection("communica test");
  }

  /** Messages waiting in a queue (0 when it does not exist). */
  static long depth(Channel ch, String queue) {
    try {
      return ch.messageCount(queue);
    } catch (IOException e) {
      return 0;
    }
  }

  /** Runs rabbitmqctl and returns its output; fails the test when it fails. */
  static String rabbitmqctl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add("rabbitmqctl");
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError(
          "rabbitmqctl " + String.join(" ", args) + " failed: " + new String(out, StandardCharsets.UTF_8));
    }
    return new String(out, StandardCharsets.UTF_8);
  }

  /** Closes, broker side, every connection whose name contains {@code nameContains}; returns how many. */
  static int closeConnections(String nameContains) throws Exception {
    int n = 0;
    for (String line : rabbitmqctl("list_connections", "-q", "pid", "client_properties").split("\n")) {
      if (line.contains(nameContains)) {
        String pid = line.substring(0, line.indexOf('\t')).trim();
        rabbitmqctl("close_connection", pid, "closed by a communica test");
        n++;
      }
    }
    return n;
  }

  /**
   * Makes the broker refuse every publish to the address queue of {@code address} (a policy of
   * {@code max-length} 0 with {@code reject-publish}), once it does; closing clears the policy.
   * What the probes publish before the policy applies is not communica's: a server dead-letters it.
   */
  static AutoCloseable fullAddressQueue(AmqpConnector address) throws Exception {
    String queue = new Naming(address).addressQueue;
    String policy = "communica-test-" + address.address();
    rabbitmqctl(
        "set_policy",
        policy,
        "^" + queue.replace(".", "\\.") + "$",
        "{\"max-length\":0,\"overflow\":\"reject-publish\"}",
        "--apply-to",
        "queues");
    AutoCloseable clear = () -> rabbitmqctl("clear_policy", policy);
    try (Connection raw = raw()) {
      Channel ch = raw.createChannel();
      ch.confirmSelect();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (System.nanoTime() < deadline) {
        ch.basicPublish("", queue, null, new byte[] {0});
        if (!ch.waitForConfirms(5000)) {
          return clear;
        }
      }
    } catch (Exception | Error e) {
      clear.close();
      throw e;
    }
    clear.close();
    throw new AssertionError("the broker still takes messages to " + queue);
  }

    static Duration timeout() {
    return Duration.ofSeconds(20);
  }

  /**
   * A client of {@code address} held by {@code resources}, reconnecting quickly (50-500 ms), once
   * connected.
   */
  static SimpleClient client(Resources resources, AmqpConnector address) {
    SimpleClient c =
        resources.add(
            SimpleClient.builder(address)
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500))
                .start());
    c.connected().block(timeout());
    return c;
  }
}
