package io.communica.tcp;

import io.communica.core.Connector;
import io.communica.core.ConnectorProvider;
import io.communica.core.transport.ConnectorUri;
import java.util.Set;

/** Registers {@code tcp://} with {@link Connector#load(String)}. */
public final class TcpConnectorProvider extends ConnectorProvider {

  @Override
  public Set<String> schemes() {
    return Set.of("tcp");
  }

  @Override
  public Connector load(ConnectorUri uri) {
    return TcpConnector.load(uri);
  }
}
