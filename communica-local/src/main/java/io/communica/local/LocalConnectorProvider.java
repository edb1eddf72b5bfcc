package io.communica.local;

import io.communica.core.Connector;
import io.communica.core.ConnectorProvider;
import io.communica.core.transport.ConnectorUri;
import java.util.Set;

/**
 * Registers {@code unix://}, {@code local://} and {@code stdio://} with {@link
 * Connector#load(String)}.
 */
public final class LocalConnectorProvider extends ConnectorProvider {

  @Override
  public Set<String> schemes() {
    return Set.of("unix", "local", "stdio");
  }

  @Override
  public Connector load(ConnectorUri uri) {
    return uri.scheme().equals("stdio") ? StdioConnector.load(uri) : LocalConnector.load(uri);
  }
}
