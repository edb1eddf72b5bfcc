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

  /** The in-JVM connector takes the full million in the default build (about 5 s each). */
  @Override
  public int streamItems() {
    return Integer.getInteger("communica.streamItems", 1_000_000);
  }
}
