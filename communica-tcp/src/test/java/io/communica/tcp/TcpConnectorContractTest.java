package io.communica.tcp;

import io.communica.core.Connector;
import io.communica.test.contract.CrossProcessContract;

class TcpConnectorContractTest implements CrossProcessContract {

  private final Resources resources = new Resources();

  @Override
  public Connector serverConnector() {
    return TcpConnector.of("127.0.0.1", 0);
  }

  @Override
  public Resources resources() {
    return resources;
  }
}
