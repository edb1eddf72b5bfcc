package io.communica.amqp;

import io.communica.core.Connector;
import io.communica.test.contract.CrossProcessContract;

@RequiresBroker
class AmqpConnectorContractTest implements CrossProcessContract {

  private final Resources resources = new Resources();

  @Override
  public Connector serverConnector() {
    return Broker.connector("contract");
  }

  @Override
  public Resources resources() {
    return resources;
  }

  /** Each message waits for a broker confirm (a few ms), so fewer of them in a row. */
  @Override
  public int sequentialMessages() {
    return 2_000;
  }

  /** Streams over the broker: 10,000 items in each large case (issue 12). */
  @Override
  public int streamItems() {
    return Integer.getInteger("communica.streamItems", 10_000);
  }

  @Override
  public int channelItems() {
    return Integer.getInteger("communica.channelItems", 10_000);
  }

  /** Messages wait in the address queue for a server (bounded by maxLength). */
  @Override
  public boolean messagesWaitForAServer() {
    return true;
  }
}
