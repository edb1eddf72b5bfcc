package io.communica.tcp;

import io.communica.core.Connector;
import io.communica.core.SharedToken;
import io.communica.test.contract.TokenContract;

/** Token authentication over TCP: the whole {@link TokenContract}. */
class TcpTokenTest implements TokenContract {

  @Override
  public Connector serverConnector() {
    return TcpConnector.of("127.0.0.1", 0);
  }

  @Override
  public Connector withToken(Connector connector, SharedToken token) {
    TcpConnector tcp = (TcpConnector) connector;
    return TcpConnector.builder(tcp.host(), tcp.port()).token(token).build();
  }
}
