package io.communica.local;

import io.communica.core.Connector;
import io.communica.core.SharedToken;
import io.communica.test.contract.TokenContract;
import java.nio.file.Path;
import java.util.UUID;

/** Token authentication over Unix domain sockets: the whole {@link TokenContract}. */
class LocalTokenTest implements TokenContract {

  @Override
  public Connector serverConnector() {
    return LocalConnector.unix(
        Path.of(System.getProperty("java.io.tmpdir"), "communica-token-" + UUID.randomUUID() + ".sock"));
  }

  @Override
  public Connector withToken(Connector connector, SharedToken token) {
    return ((LocalConnector) connector).withToken(token);
  }
}
