package io.communica.local;

import io.communica.core.Connector;
import io.communica.test.contract.CrossProcessContract;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;

/** The shared contract on Unix domain sockets, with the platform's default implementation. */
class LocalConnectorContractTest implements CrossProcessContract {

  private final Resources resources = new Resources();
  private final AtomicInteger next = new AtomicInteger();
  @TempDir Path dir;

  @Override
  public Connector serverConnector() {
    return LocalConnector.unix(dir.resolve("s" + next.incrementAndGet() + ".sock"));
  }

  @Override
  public Resources resources() {
    return resources;
  }
}
