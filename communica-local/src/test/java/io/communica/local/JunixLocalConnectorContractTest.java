package io.communica.local;

import io.communica.core.Connector;
import io.communica.test.contract.CrossProcessContract;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared contract on junixsocket, the implementation for macOS, Windows and the BSDs, run
 * here on Linux so that it is tested somewhere. (Child processes in the contract load the dumped
 * string and so use the platform's default, epoll: the two interoperate on one socket.)
 */
class JunixLocalConnectorContractTest implements CrossProcessContract {

  private final Resources resources = new Resources();
  private final AtomicInteger next = new AtomicInteger();
  @TempDir Path dir;

  @Override
  public Connector serverConnector() {
    return LocalConnector.unix(dir.resolve("j" + next.incrementAndGet() + ".sock"))
        .withSockets(JunixSockets.INSTANCE);
  }

  @Override
  public Resources resources() {
    return resources;
  }
}
