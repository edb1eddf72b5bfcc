package io.communica.udp;

import io.communica.core.Connector;
import io.communica.core.ConnectorProvider;
import io.communica.core.transport.ConnectorUri;
import java.util.Set;

/** Registers {@code udp://} with {@link Connector#load(String)}. */
public final class UdpConnectorProvider extends ConnectorProvider {

  @Override
  public Set<String> schemes() {
    return Set.of("udp");
  }

  @Override
  public Connector load(ConnectorUri uri) {
    return UdpConnector.load(uri);
  }
}
