package io.communica.shm;

import io.communica.core.Connector;
import io.communica.test.contract.CrossProcessContract;
import java.util.concurrent.atomic.AtomicInteger;

/** The whole connector contract, child processes included, on shared memory. */
class ShmConnectorContractTest implements CrossProcessContract {

  private static final AtomicInteger NEXT = new AtomicInteger();

  private final Resources resources = new Resources();

  @Override
  public Connector serverConnector() {
    return ShmConnector.named("contract-" + ProcessHandle.current().pid() + "-" + NEXT.incrementAndGet());
  }

  @Override
  public Resources resources() {
    return resources;
  }
}
