package io.communica.shm;

import io.communica.core.Connector;
import io.communica.core.ConnectorProvider;
import io.communica.core.transport.ConnectorUri;
import java.util.Set;

/** Registers {@code shm://} with {@link Connector#load(String)}. */
public final class ShmConnectorProvider extends ConnectorProvider {

  @Override
  public Set<String> schemes() {
    return Set.of("shm");
  }

  @Override
  public Connector load(ConnectorUri uri) {
    return ShmConnector.load(uri);
  }
}
