package io.communica.tcp;

import io.communica.core.Handler;
import io.communica.core.SimpleServer;

/** Servers for the tests that talk to one over raw sockets. */
final class TestServers {

  private TestServers() {}

  /** A server on a free local port whose handler answers {@code "ok " + request}. */
  static SimpleServer.Builder okServer() {
    return SimpleServer.builder(TcpConnector.of("127.0.0.1", 0))
        .handler(Handler.nonBlocking(String.class, s -> "ok " + s));
  }

  /** The port a started server listens on. */
  static int port(SimpleServer server) {
    return ((TcpConnector) server.connector()).port();
  }
}
