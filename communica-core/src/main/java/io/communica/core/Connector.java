package io.communica.core;

import static java.util.Objects.requireNonNull;

import io.communica.core.transport.ConnectionHandler;
import io.communica.core.transport.ConnectorUri;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.TransportOptions;
import java.util.Map;
import java.util.ServiceLoader;
import reactor.core.publisher.Mono;

/**
 * Where and how entities connect: a transport and its address. Entities never name a transport
 * class; they take a {@code Connector}, so switching from TCP to a Unix socket or RabbitMQ is a
 * different dependency and a different string.
 *
 * <p>Every connector dumps to an ASCII string and loads back from it, so a parent can hand the
 * address of its server to a child process on the command line:
 *
 * <pre>{@code
 * // parent
 * SimpleServer server = SimpleServer.builder(TcpConnector.of("127.0.0.1", 0)).handler(h).start();
 * new ProcessBuilder("java", "-cp", cp, "Child", server.connector().dump()).start();
 * // child
 * SimpleClient client = SimpleClient.builder(Connector.load(args[0])).start();
 * }</pre>
 *
 * <p>{@link #load(String)} finds the transport by the string's scheme among the {@link
 * ConnectorProvider}s registered with {@link ServiceLoader}; a scheme whose module is missing from
 * the class path fails with an error naming the artifact to add.
 *
 * <p>Connectors are immutable values; two connectors are equal when their dumps are.
 *
 * @since 0.1
 */
public abstract class Connector {

  /** Artifacts that provide communica's own schemes, for the "add this module" error. */
  private static final Map<String, String> KNOWN_MODULES =
      Map.of(
          "tcp", "communica-tcp",
          "tcps", "communica-tcp",
          "unix", "communica-local",
          "local", "communica-local",
          "stdio", "communica-local",
          "amqp", "communica-amqp",
          "amqps", "communica-amqp",
          "shm", "communica-shm",
          "udp", "communica-udp",
          "loopback", "communica-test");

  /** For transport modules. */
  protected Connector() {}

  /** The URI scheme of this connector's dump, e.g. {@code tcp}. */
  public abstract String scheme();

  /**
   * This connector as an ASCII string that {@link #load(String)} turns back into an equal
   * connector, e.g. {@code tcp://127.0.0.1:8000}. Secrets the user asked to keep out of the string
   * are left out.
   */
  public abstract String dump();

  /**
   * The shared token of this connector ({@code tokenEnv=} or {@code tokenFile=} in its string), or
   * null when it has none. A server built with a connector that has one refuses every client that
   * does not present the same secret; a client built with one presents it in its handshake. See
   * {@link SharedToken}. Transports that take these options override this; none by default.
   *
   * @since 0.2
   */
  public @org.jspecify.annotations.Nullable SharedToken token() {
    return null;
  }

  /**
   * Transport SPI: binds and accepts connections, calling {@code handler} for each. Entities call
   * this; applications do not.
   */
  public abstract Mono<TransportServer> bind(TransportOptions options, ConnectionHandler handler);

  /**
   * Transport SPI: opens one connection, calling {@code handler} on it before any frame arrives.
   * Entities call this; applications do not.
   */
  public abstract Mono<FrameConnection> connect(
      TransportOptions options, ConnectionHandler handler);

  /**
   * Loads a connector from a string made by {@link #dump()}.
   *
   * @throws IllegalArgumentException if the string is not ASCII, is malformed, names an option
   *     the transport does not know, or has a scheme that is not known (the message suggests the
   *     closest known one)
   * @throws IllegalStateException if the scheme is one of communica's own but its module is not on
   *     the class path; the message names the artifact to add
   */
  public static Connector load(String dumped) {
    requireNonNull(dumped, "dumped");
    ConnectorUri uri = ConnectorUri.parse(dumped);
    String scheme = uri.scheme();
    for (ConnectorProvider provider :
        ServiceLoader.load(ConnectorProvider.class, Connector.class.getClassLoader())) {
      if (provider.schemes().contains(scheme)) {
        return provider.load(uri);
      }
    }
    String module = KNOWN_MODULES.get(scheme);
    if (module != null) {
      throw new IllegalStateException(
          "no connector for scheme '"
              + scheme
              + "' on the class path: add the dependency io.communica:"
              + module);
    }
    java.util.TreeSet<String> known = new java.util.TreeSet<>(KNOWN_MODULES.keySet());
    for (ConnectorProvider provider :
        ServiceLoader.load(ConnectorProvider.class, Connector.class.getClassLoader())) {
      known.addAll(provider.schemes());
    }
    String closest = null;
    int best = Integer.MAX_VALUE;
    for (String k : known) {
      int d = editDistance(scheme, k);
      if (d < best) {
        best = d;
        closest = k;
      }
    }
    throw new IllegalArgumentException(
        "unknown scheme '"
            + scheme
            + "'"
            + (closest != null && best <= Math.max(1, scheme.length() / 2)
                ? " (did you mean '" + closest + "'?)"
                : "")
            + "; known schemes are "
            + known);
  }

  /** Levenshtein distance, with a swap of neighbours counted as one edit. */
  private static int editDistance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      for (int j = 0; j <= b.length(); j++) {
        if (i == 0 || j == 0) {
          d[i][j] = i + j;
          continue;
        }
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  @Override
  public final boolean equals(Object o) {
    return o instanceof Connector other && other.dump().equals(dump());
  }

  @Override
  public final int hashCode() {
    return dump().hashCode();
  }

  /**
   * The dump with its secrets redacted ({@code amqp://guest:***@host...}): what messages and logs
   * show. {@link #dump()} is what to hand to a child process.
   */
  @Override
  public String toString() {
    return ConnectorUri.redact(dump());
  }
}
