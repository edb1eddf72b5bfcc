package io.communica.test.loopback;

import static java.util.Objects.requireNonNull;

import io.communica.core.Connector;
import io.communica.core.transport.ConnectionHandler;
import io.communica.core.transport.ConnectorUri;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.TransportOptions;
import io.communica.core.TransportServer;
import java.net.ConnectException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * An in-JVM transport for applications' unit tests, like gRPC's in-process transport: a server
 * bound on {@code loopback://name} is reached by clients of the same JVM that connect to that name,
 * with no socket, port or file.
 *
 * <pre>{@code
 * Connector address = LoopbackConnector.named("orders-test");   // or Connector.load("loopback://orders-test")
 * try (SimpleServer server = SimpleServer.builder(address).handler(h).start();
 *     SimpleClient client = SimpleClient.builder(address).start()) {
 *   assertEquals("ok", client.request("order", String.class).block());
 * }
 * }</pre>
 *
 * <p>It tests what a real transport would carry, not a shortcut around it: every value goes through
 * the entities' serializer and every message through the frame codec, and each frame crosses as a
 * copy of its bytes in a fresh buffer, so no object reference passes from one side to the other.
 * The receiving side checks each frame's length against its maximum frame size as a stream
 * transport does (a larger frame is a protocol error that closes the connection), so message limits
 * and fragmentation behave as over TCP. Each side of a connection has its own loop, one thread of a
 * shared pool, on which its callbacks run. Writes are bounded: once more than 512 KiB sent by one
 * side wait for the other to take them, that side is not writable until they drop below 128 KiB.
 *
 * <p>Names are global to the JVM (use a unique name per test when tests run in parallel); binding a
 * name that is bound fails, and a server's {@code close()} frees its name. Connecting to a name
 * nobody serves fails like a refused TCP connection, so clients retry with their backoff. A
 * loopback connector dumped and loaded in another process reaches that process's own servers, not
 * this one's.
 *
 * @since 0.1
 */
public final class LoopbackConnector extends Connector {

  /** The URI scheme. */
  public static final String SCHEME = "loopback";

  private static final ConcurrentMap<String, Server> SERVERS = new ConcurrentHashMap<>();

  private final String name;

  private LoopbackConnector(String name) {
    this.name = name;
  }

  /**
   * The address {@code loopback://name}.
   *
   * @throws IllegalArgumentException when the name is empty or not printable ASCII
   */
  public static LoopbackConnector named(String name) {
    requireNonNull(name, "name");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("a loopback name is not empty");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x21 || c > 0x7e || c == '/' || c == '?' || c == '#' || c == '@' || c == ':') {
        throw new IllegalArgumentException(
            "a loopback name is printable ASCII without '/', '?', '#', '@' or ':': " + name);
      }
    }
    return new LoopbackConnector(name);
  }

  static LoopbackConnector load(ConnectorUri uri) {
    uri.requireOnly(Set.of());
    String host = uri.host();
    if (host == null || uri.port() >= 0 || !uri.path().isEmpty() || uri.userInfo() != null) {
      throw uri.invalid("a loopback connector is loopback://name");
    }
    try {
      return named(host);
    } catch (IllegalArgumentException e) {
      throw uri.invalid(e.getMessage());
    }
  }

  /** The name this connector binds or connects to. */
  public String name() {
    return name;
  }

  @Override
  public String scheme() {
    return SCHEME;
  }

  @Override
  public String dump() {
    return SCHEME + "://" + name;
  }

  @Override
  public Mono<TransportServer> bind(TransportOptions options, ConnectionHandler handler) {
    return Mono.fromCallable(
        () -> {
          Server server = new Server(this, options, handler);
          if (SERVERS.putIfAbsent(name, server) != null) {
            throw new IllegalStateException(
                "address in use: another server is bound on " + dump() + " in this JVM");
          }
          return server;
        });
  }

  @Override
  public Mono<FrameConnection> connect(TransportOptions options, ConnectionHandler handler) {
    return Mono.defer(
        () -> {
          Server server = SERVERS.get(name);
          if (server == null) {
            return Mono.error(
                new ConnectException("connection refused: no server is bound on " + dump()));
          }
          return server.accept(options, handler);
        });
  }

  /** A bound name. */
  private static final class Server implements TransportServer {
    private final LoopbackConnector connector;
    private final TransportOptions options;
    private final ConnectionHandler handler;
    private final AtomicLong connections = new AtomicLong();
    private final Sinks.Empty<Void> closed = Sinks.empty();

    Server(LoopbackConnector connector, TransportOptions options, ConnectionHandler handler) {
      this.connector = connector;
      this.options = options;
      this.handler = handler;
    }

    Mono<FrameConnection> accept(TransportOptions clientOptions, ConnectionHandler clientHandler) {
      String address = connector.dump() + "#" + connections.incrementAndGet();
      return LoopbackConnection.open(address, options, handler, clientOptions, clientHandler);
    }

    @Override
    public Connector connector() {
      return connector;
    }

    @Override
    public void close() {
      if (SERVERS.remove(connector.name, this)) {
        closed.tryEmitEmpty();
      }
    }

    @Override
    public Mono<Void> onClose() {
      return closed.asMono();
    }
  }
}
