package io.communica.udp;

import static java.util.Objects.requireNonNull;

import io.communica.core.Connector;
import io.communica.core.TransportServer;
import io.communica.core.transport.ConnectionHandler;
import io.communica.core.transport.ConnectorUri;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.TransportOptions;
import java.util.Set;
import reactor.core.publisher.Mono;

/**
 * UDP datagrams, for telemetry-style traffic where losing a message is acceptable and latency
 * matters: fire-and-forget, and request/response with the timeout as the only loss signal. Dumps
 * to {@code udp://host:port} or {@code udp://host:port?max-datagram=8192}.
 *
 * <pre>{@code
 * SimpleServer receiver =
 *     SimpleServer.builder(UdpConnector.of("127.0.0.1", 9999)).handler(h).start();
 * SimpleClient sender = SimpleClient.builder(UdpConnector.of("127.0.0.1", 9999)).start();
 * sender.fireAndForget(reading).block();
 * }</pre>
 *
 * <h2>What holds, and what does not</h2>
 *
 * <ul>
 *   <li>One frame per datagram, without length prefix. A datagram carries at most {@link
 *       #maxDatagramSize} bytes (default {@value #DEFAULT_MAX_DATAGRAM}, at most {@value
 *       #MAX_DATAGRAM}): a message whose frame does not fit fails on the sender with {@code
 *       MessageTooLargeException}. Nothing is fragmented.
 *   <li>No handshake crosses the wire: each side's session is handed a local stand-in for the
 *       peer's half (see the module README), so entities, serializers, interceptors and errors work
 *       as elsewhere. A client is "connected" at once, whether a server listens or not; a request
 *       to a server that is not there fails with {@code RequestTimeoutException}. Client ids,
 *       credentials and resume tokens are not carried: the server knows each client by its address
 *       ({@code udp:127.0.0.1:53124}), and forgets one that sent nothing for {@value
 *       UdpServerChannel#IDLE_SECONDS} s.
 *   <li>No ordering, no delivery promise, no duplicate suppression: a datagram may be lost,
 *       reordered or (rarely) duplicated by the network. Keep-alive is answered locally.
 *   <li>A server cannot call its clients (no client listens): such calls fail at once, a request
 *       with {@code RequestException}, a message with the same, saying so.
 *   <li>A datagram that is not a frame a peer may send is dropped and counted ({@link
 *       #counters()}), never an error of the receiver.
 * </ul>
 *
 * @since 0.3
 */
public final class UdpConnector extends Connector {

  /** The default largest datagram: 1472 bytes, what fits an Ethernet frame of 1500 bytes. */
  public static final int DEFAULT_MAX_DATAGRAM = 1472;

  /** The largest datagram UDP over IPv4 carries: 65,507 bytes. */
  public static final int MAX_DATAGRAM = 65_507;

  /** The smallest datagram limit accepted: 64 bytes. */
  public static final int MIN_DATAGRAM = 64;

  static final Set<String> OPTIONS = Set.of("max-datagram");

  private final String host;
  private final int port;
  private final int maxDatagram;

  private UdpConnector(String host, int port, int maxDatagram) {
    this.host = host;
    this.port = port;
    this.maxDatagram = maxDatagram;
  }

  /** A server's address: a host name or IP address and a port (0: any free port when binding). */
  public static UdpConnector of(String host, int port) {
    requireNonNull(host, "host");
    if (host.isEmpty()) {
      throw new IllegalArgumentException("empty host");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is out of range 0-65535");
    }
    return new UdpConnector(host, port, DEFAULT_MAX_DATAGRAM);
  }

  static UdpConnector load(ConnectorUri uri) {
    uri.requireOnly(OPTIONS);
    String host = uri.host();
    if (host == null || uri.port() < 0 || uri.userInfo() != null || !uri.path().isEmpty()) {
      throw uri.invalid("a UDP connector is udp://host:port[?max-datagram=bytes]");
    }
    UdpConnector c = of(host, uri.port());
    String max = uri.param("max-datagram");
    if (max != null) {
      try {
        c = c.maxDatagramSize(Integer.parseInt(max));
      } catch (IllegalArgumentException e) {
        throw uri.invalid("max-datagram: " + e.getMessage());
      }
    }
    return c;
  }

  /**
   * This connector with another datagram limit, from {@value #MIN_DATAGRAM} to {@value
   * #MAX_DATAGRAM} bytes; the default is {@value #DEFAULT_MAX_DATAGRAM}. Both sides should use
   * the same: a receiver drops a datagram over its own limit.
   */
  public UdpConnector maxDatagramSize(int bytes) {
    if (bytes < MIN_DATAGRAM || bytes > MAX_DATAGRAM) {
      throw new IllegalArgumentException(
          "the datagram limit must be " + MIN_DATAGRAM + " to " + MAX_DATAGRAM + " bytes, not " + bytes);
    }
    return new UdpConnector(host, port, bytes);
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  /** The largest datagram sent or accepted, in bytes. */
  public int maxDatagramSize() {
    return maxDatagram;
  }

  /** What this process's UDP connections sent, received and dropped so far. */
  public static UdpCounters counters() {
    return Datagrams.snapshot();
  }

  UdpConnector withPort(int bound) {
    return new UdpConnector(host, bound, maxDatagram);
  }

  @Override
  public String scheme() {
    return "udp";
  }

  @Override
  public String dump() {
    String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    return "udp://" + h + ":" + port
        + (maxDatagram != DEFAULT_MAX_DATAGRAM ? "?max-datagram=" + maxDatagram : "");
  }

  @Override
  public Mono<TransportServer> bind(TransportOptions options, ConnectionHandler handler) {
    requireNonNull(options, "options");
    requireNonNull(handler, "handler");
    return UdpServerChannel.bind(this, handler);
  }

  @Override
  public Mono<FrameConnection> connect(TransportOptions options, ConnectionHandler handler) {
    requireNonNull(options, "options");
    requireNonNull(handler, "handler");
    return UdpClientConnection.connect(this, handler);
  }
}
