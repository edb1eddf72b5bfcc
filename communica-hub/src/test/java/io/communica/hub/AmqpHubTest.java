package io.communica.hub;

import io.communica.core.Connector;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.UUID;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The main scenarios with the hub behind RabbitMQ ({@code COMMUNICA_AMQP_URI}, default the local
 * broker). Without a broker they are skipped loudly, or fail with {@code
 * COMMUNICA_REQUIRE_BROKER=true}, as communica-amqp's own tests.
 */
@ExtendWith(AmqpHubTest.BrokerCondition.class)
class AmqpHubTest extends HubSuite {

  static final String URI_STRING =
      System.getenv().getOrDefault("COMMUNICA_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672");

  @Override
  Connector hubConnector() {
    return Connector.load(
        URI_STRING + (URI_STRING.contains("?") ? "&" : "?")
            + "liveness=3s&expires=1m&addressExpires=1m&address=hub-" + UUID.randomUUID());
  }

  /** Each message waits for a broker confirm: fewer of them. */
  @Override
  int orderEvents() {
    return 300;
  }

  @Override
  boolean full() {
    return false;
  }

  static final class BrokerCondition implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      URI u = URI.create(URI_STRING.replaceFirst("\\?.*", ""));
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(u.getHost(), u.getPort() > 0 ? u.getPort() : 5672), 2000);
        return ConditionEvaluationResult.enabled("broker reachable");
      } catch (IOException e) {
        String msg = "NO RABBITMQ BROKER at " + u.getHost() + ": hub tests over AMQP skipped";
        if ("true".equals(System.getenv("COMMUNICA_REQUIRE_BROKER"))) {
          throw new IllegalStateException(msg.replace("skipped", "cannot run"));
        }
        System.err.println("WARNING: " + msg);
        return ConditionEvaluationResult.disabled(msg);
      }
    }
  }
}
