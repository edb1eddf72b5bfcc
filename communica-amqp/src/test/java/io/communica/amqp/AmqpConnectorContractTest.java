package io.communica.amqp;

import io.communica.core.Connector;
import io.communica.core.test.ConnectorContract;

@RequiresBroker
class AmqpConnectorContractTest implements ConnectorContract {

  private final Resources resources = new Resources();

  @Override
  public Connector serverConnector() {
    return Broker.connector("contract");
  }

  @Override
  public Resources resources() {
    return resources;
  }
}
