package io.communica.test.loopback;

import io.communica.core.Connector;
import io.communica.test.contract.ConnectorContract;
import java.util.concurrent.atomic.AtomicInteger;

/** The whole contract on the in-JVM connector. */
class LoopbackConnectorContractTest implements ConnectorContract {

  private static final AtomicInteger NEXT = new AtomicInteger();

  private final Resources resources = new Resources();

  @Override
  public Connector serverConnector() {
    return LoopbackConnector.named("contract-" + NEXT.incrementAndGet());
  }

  @Override
  public Resources resources() {
    return resources;
  }
}
