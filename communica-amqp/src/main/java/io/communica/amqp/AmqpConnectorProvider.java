package io.communica.amqp;

import io.communica.core.Connector;
import io.communica.core.ConnectorProvider;
import io.communica.core.transport.ConnectorUri;
import java.util.Set;

/** Registers {@code amqp://} and {@code amqps://} with {@link Connector#load(String)}. */
public final class AmqpConnectorProvider extends ConnectorProvider {

  @Override
  public Set<String> schemes() {
    return Set.of("amqp", "amqps");
  }

  @Override
  public Connector load(ConnectorUri uri) {
    return AmqpConnector.load(uri);
  }
}
