package io.communica.hub;

import io.communica.core.Connector;
import io.communica.local.LocalConnector;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;

/** The main scenarios over Unix domain sockets: the hub sees each node's pid from the kernel. */
class UnixHubTest extends HubSuite {
  @TempDir Path dir;
  private final AtomicInteger n = new AtomicInteger();

  @Override
  Connector hubConnector() {
    return LocalConnector.unix(dir.resolve("hub-" + n.incrementAndGet() + ".sock"));
  }

  @Override
  boolean kernelPids() {
    return true;
  }

  @Override
  boolean full() {
    return false;
  }
}
