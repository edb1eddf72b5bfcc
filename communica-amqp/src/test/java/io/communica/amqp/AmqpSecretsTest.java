package io.communica.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.test.contract.ConnectorContract.Resources;
import io.communica.core.transport.ConnectorUri;
import io.communica.test.LogCapture;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * No exception message, log line or {@code toString} shows a password: every failure path that can
 * be driven with a known password (bad strings, wrong host and port, refused credentials, the
 * broker closing the connections, the user deleted while connected) is driven, and every message,
 * stack trace and captured log line is searched for it.
 */
@RequiresBroker
@Timeout(120)
class AmqpSecretsTest {

  private static final String SECRET =
      "Pw-" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
  /** Set by the build (surefire) for the passwordEnv case. */
  private static final String ENV = "COMMUNICA_TEST_SECRET";

  private static final String OPTIONS = "liveness=1s&expires=1m&addressExpires=1m";
  private static final Duration SHORT = Duration.ofSeconds(1);

  private final Resources resources = new Resources();
  private final List<String> seen = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    resources.closeAll();
  }

  private static String broker() {
    ConnectorUri u = ConnectorUri.parse(Broker.URI);
    return u.host() + ":" + (u.port() > 0 ? u.port() : 5672);
  }

  private static String address() {
    return Broker.uniqueAddress("secret");
  }

  /** Runs {@code action}, keeping what it threw (message, causes, trace) and its result's text. */
  private void record(Supplier<?> action) {
    try {
      seen.add(String.valueOf(action.get()));
    } catch (RuntimeException | Error e) {
      StringWriter w = new StringWriter();
      e.printStackTrace(new PrintWriter(w));
      seen.add(w.toString());
    }
  }

  private SimpleClient client(String connector) {
    return resources.add(
        SimpleClient.builder(Connector.load(connector))
            .requestTimeout(SHORT)
            .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
            .start());
  }

  private SimpleServer server(String connector) {
    return resources.add(
        SimpleServer.builder(Connector.load(connector))
            .handler(Handler.nonBlocking(String.class, s -> s))
            .start());
  }

  private void failingClient(String connector) {
    record(() -> Connector.load(connector).toString());
    SimpleClient c = client(connector);
    record(() -> c.request("x", String.class).block(Broker.timeout()));
    record(() -> c.fireAndForget("x").block(Broker.timeout()));
    record(c::toString);
    c.close();
  }

  private void failingServer(String connector) {
    record(() -> server(connector));
  }

  @Test
  void noMessageLogLineOrToStringCarriesAPassword() throws Exception {
    String envSecret = System.getenv(ENV);
    assertThat(envSecret).as("set by the build").isNotBlank();
    String user = "communica-secret-" + Long.toString(System.nanoTime(), 36);
    Broker.rabbitmqctl("add_user", user, SECRET);
    String good = "amqp://" + user + ":" + SECRET + "@" + broker() + "/%2F?" + OPTIONS + "&address=";
    try (LogCapture logs = LogCapture.start()) {
      Broker.rabbitmqctl("set_permissions", "-p", "/", user, ".*", ".*", ".*");
      int closedPort;
      try (ServerSocket s = new ServerSocket(0)) {
        closedPort = s.getLocalPort();
      }

      // bad strings carrying the password
      for (String bad :
          List.of(
              "amqp://u:" + SECRET + "@h?address=a&prefetch=many",
              "amqp://u:" + SECRET + "@h?address=a&colour=red",
              "amqp://u:" + SECRET + "@h?address=a&liveness=soon",
              "amqp://u:" + SECRET + "@h?address=a/b",
              "amqp://u:" + SECRET + "@h",
              "amqb://u:" + SECRET + "@h?address=a",
              "amqp://u:" + SECRET + "@h?address=a&x=%zz",
              "amqp://u:" + SECRET + "@h?address=a&passwordEnv=" + ENV)) {
        record(() -> Connector.load(bad));
      }
      record(() -> ConnectorUri.parse("amqp://u:" + SECRET + "@h?address=a"));

      // wrong port, wrong host, refused credentials (inline and through passwordEnv)
      String closed = "amqp://u:" + SECRET + "@127.0.0.1:" + closedPort + "/%2F?" + OPTIONS + "&address=" + address();
      String noHost = "amqp://u:" + SECRET + "@no-such-host.invalid/%2F?" + OPTIONS + "&address=" + address();
      String refused = "amqp://nobody-" + user + ":" + SECRET + "@" + broker() + "/%2F?" + OPTIONS + "&address=" + address();
      String refusedEnv = "amqp://nobody-" + user + "@" + broker() + "/%2F?" + OPTIONS + "&passwordEnv=" + ENV + "&address=" + address();
      for (String c : List.of(closed, noHost, refused, refusedEnv)) {
        failingServer(c);
        failingClient(c);
      }

      // connected, then the broker closes the connections, then the user is gone
      String live = good + address();
      SimpleServer server = server(live);
      SimpleClient client = client(live);
      assertThat(client.request("up", String.class).block(Broker.timeout())).isEqualTo("up");
      record(server::toString);
      record(client::toString);
      record(() -> server.connector().toString());
      assertThat(Broker.closeConnections("communica")).isPositive();
      record(() -> client.request("after close", String.class).block(Broker.timeout()));
      Broker.rabbitmqctl("delete_user", user); // closes its connections; reconnecting is refused
      record(() -> client.request("user gone", String.class).block(Broker.timeout()));
      record(() -> client.fireAndForget("user gone").block(Broker.timeout()));
      server.close();
      client.close();
      seen.add(logs.text());
    } finally {
      try {
        Broker.rabbitmqctl("delete_user", user);
      } catch (AssertionError e) {
        // deleted above
      }
    }
    String all = String.join("\n", seen);
    assertThat(all).contains("no-such-host.invalid").contains("ACCESS_REFUSED");
    assertThat(all).doesNotContain(SECRET).doesNotContain(envSecret);
  }
}
