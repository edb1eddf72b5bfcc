package io.communica.hub;

import io.communica.core.Connector;
import io.communica.tcp.TcpConnector;

class TcpHubTest extends HubSuite {
  @Override
  Connector hubConnector() {
    return TcpConnector.of("127.0.0.1", 0);
  }
}
