package io.communica.test.loopback;

import io.communica.core.Connector;
import io.communica.core.ConnectorProvider;
import io.communica.core.transport.ConnectorUri;
import java.util.Set;

/** Registers {@code loopback://} for {@link Connector#load(String)}. */
public final class LoopbackConnectorProvider extends ConnectorProvider {

  @Override
  public Set<String> schemes() {
    return Set.of(LoopbackConnector.SCHEME);
  }

  @Override
  public Connector load(ConnectorUri uri) {
    return LoopbackConnector.load(uri);
  }
}
