package io.communica.tcp;

import static java.util.Objects.requireNonNull;

import io.communica.core.Connector;
import io.communica.core.SharedToken;
import io.communica.core.TransportServer;
import io.communica.core.transport.AdmissionCheck;
import io.communica.core.transport.ConnectionHandler;
import io.communica.core.transport.ConnectorUri;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.TransportOptions;
import io.communica.netty.NettyTransport;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.File;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.Set;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.NettyPipeline;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

/**
 * TCP, on Reactor Netty, with optional TLS. Dumps to {@code tcp://host:port}, with TLS options as
 * query parameters:
 *
 * <pre>
 * tcp://127.0.0.1:8000
 * tcp://[::1]:8000
 * tcp://example.org:8443?tls=true&amp;ca=/etc/app/ca.pem
 * tcp://0.0.0.0:8443?tls=true&amp;cert=/etc/app/server.pem&amp;key=/etc/app/server.key&amp;provider=openssl
 * tcp://127.0.0.1:8000?tokenEnv=APP_TOKEN
 * </pre>
 *
 * <ul>
 *   <li>{@code tls} — {@code true} to use TLS (default {@code false}).
 *   <li>{@code cert}, {@code key} — PEM certificate chain and PKCS#8 key files: required on a TLS
 *       server; on a client, its certificate for mutual TLS.
 *   <li>{@code ca} — PEM file of trusted certificates: on a client, what the server's certificate
 *       must chain to (default: the JDK's trust store); on a server, requiring clients to present
 *       a certificate that chains to it.
 *   <li>{@code provider} — {@code jdk} (default) or {@code openssl} (needs {@code
 *       io.netty:netty-tcnative-boringssl-static} on the class path).
 *   <li>{@code tokenEnv}, {@code tokenFile} — token authentication: the environment variable or
 *       file that holds a shared secret, never the secret itself (see {@link SharedToken}); on a
 *       server every client must present it, a client presents it. Use it with TLS: without, the
 *       token crosses the network in the clear.
 * </ul>
 *
 * <p>Port 0 binds an ephemeral port; the server entity's {@code connector()} then gives the real
 * one. {@code TCP_NODELAY} is always set: communica coalesces writes itself.
 *
 * @since 0.1
 */
public final class TcpConnector extends Connector {

  static final Set<String> OPTIONS = options();

  /** Handler names in a TLS connection's pipeline. */
  private static final String PROBE = "communica.plaintext-probe";

  private static final String TLS_LOG = "communica.tls-log";
  private static final String TLS_REFUSAL = "communica.tls-refusal";

  private final String host;
  private final int port;
  private final boolean tls;
  private final @Nullable String cert;
  private final @Nullable String key;
  private final @Nullable String ca;
  private final String provider;
  private final @Nullable SharedToken token;

  private static Set<String> options() {
    Set<String> all = new HashSet<>(Set.of("tls", "cert", "key", "ca", "provider"));
    all.addAll(SharedToken.OPTIONS);
    return Set.copyOf(all);
  }

  private TcpConnector(Builder b) {
    this.host = b.host;
    this.port = b.port;
    this.tls = b.tls;
    this.cert = b.cert;
    this.key = b.key;
    this.ca = b.ca;
    this.provider = b.provider;
    this.token = b.token;
  }

  /** Plain TCP to or on {@code host:port}. */
  public static TcpConnector of(String host, int port) {
    return builder(host, port).build();
  }

  /** A builder, for TLS options. */
  public static Builder builder(String host, int port) {
    return new Builder(host, port);
  }

  static TcpConnector load(ConnectorUri uri) {
    SharedToken token = SharedToken.fromUri(uri);
    uri.requireOnly(OPTIONS);
    String host = uri.host();
    if (host == null) {
      throw uri.invalid("a tcp connector needs a host");
    }
    if (uri.port() < 0) {
      throw uri.invalid("a tcp connector needs a port");
    }
    if (!uri.path().isEmpty() && !uri.path().equals("/")) {
      throw uri.invalid("a tcp connector has no path");
    }
    if (uri.userInfo() != null) {
      throw uri.invalid("a tcp connector has no user info");
    }
    Builder b = builder(host, uri.port());
    b.token = token;
    b.tls = uri.booleanParam("tls", false);
    b.cert = uri.param("cert");
    b.key = uri.param("key");
    b.ca = uri.param("ca");
    String provider = uri.param("provider");
    if (provider != null) {
      try {
        b.provider(provider);
      } catch (IllegalArgumentException e) {
        throw uri.invalid(e.getMessage());
      }
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw uri.invalid(e.getMessage());
    }
  }

  @Override
  public String scheme() {
    return "tcp";
  }

  /** The host. */
  public String host() {
    return host;
  }

  /** The port (0 before binding an ephemeral one). */
  public int port() {
    return port;
  }

  /** Whether TLS is on. */
  public boolean tls() {
    return tls;
  }

  @Override
  public @Nullable SharedToken token() {
    return token;
  }

  @Override
  public String dump() {
    StringBuilder s = new StringBuilder("tcp://");
    s.append(host.indexOf(':') >= 0 ? "[" + host + "]" : host).append(':').append(port);
    if (tls) {
      s.append("?tls=true");
      append(s, "cert", cert);
      append(s, "key", key);
      append(s, "ca", ca);
      if (!provider.equals("jdk")) {
        append(s, "provider", provider);
      }
    }
    if (token != null) {
      s.append(tls ? '&' : '?').append(token.option());
    }
    return s.toString();
  }

  private static void append(StringBuilder s, String name, @Nullable String value) {
    if (value != null) {
      s.append('&').append(name).append('=').append(ConnectorUri.encode(value));
    }
  }

  private TcpConnector withPort(int boundPort) {
    Builder b = builder(host, boundPort);
    b.tls = tls;
    b.cert = cert;
    b.key = key;
    b.ca = ca;
    b.provider = provider;
    b.token = token;
    return b.build();
  }

  // ---------------------------------------------------------------- transport

  @Override
  public Mono<TransportServer> bind(TransportOptions options, ConnectionHandler handler) {
    return Mono.defer(
        () -> {
          TcpServer server =
              TcpServer.create().host(host).port(port).childOption(ChannelOption.TCP_NODELAY, true);
          if (tls) {
            SslContext ctx = serverContext();
            server =
                server
                    .secure(spec -> spec.sslContext(ctx))
                    .doOnChannelInit(
                        (observer, channel, remote) -> {
                          channel.pipeline().addFirst(PROBE, new TlsRefusals.PlaintextProbe());
                          channel.pipeline()
                              .addAfter(NettyPipeline.SslHandler, TLS_LOG, new TlsRefusals.ServerLog());
                        });
          }
          return NettyTransport.bind(server, options, handler, NettyTransport::noCredentials, AdmissionCheck.ALLOW_ALL)
              .map(this::transportServer);
        });
  }

  private TransportServer transportServer(DisposableServer server) {
    int bound =
        server.address() instanceof InetSocketAddress inet ? inet.getPort() : port;
    TcpConnector connector = withPort(bound);
    return new TransportServer() {
      @Override
      public Connector connector() {
        return connector;
      }

      @Override
      public void close() {
        server.disposeNow();
      }

      @Override
      public Mono<Void> onClose() {
        return server.onDispose();
      }
    };
  }

  @Override
  public Mono<FrameConnection> connect(TransportOptions options, ConnectionHandler handler) {
    return Mono.defer(
        () -> {
          TcpClient client =
              TcpClient.newConnection().host(host).port(port).option(ChannelOption.TCP_NODELAY, true);
          if (!tls) {
            return NettyTransport.connect(client, options, handler, NettyTransport::noCredentials);
          }
          SslContext ctx = clientContext();
          String server = host + ":" + port;
          boolean hasCertificate = cert != null;
          client =
              client
                  .secure(spec -> spec.sslContext(ctx))
                  .doOnChannelInit(
                      (observer, channel, remote) ->
                          channel.pipeline()
                              .addAfter(
                                  NettyPipeline.SslHandler,
                                  TLS_REFUSAL,
                                  new TlsRefusals.ClientSide(server, hasCertificate)));
          return NettyTransport.connect(client, options, handler, NettyTransport::noCredentials)
              .onErrorMap(
                  e -> e instanceof SSLException || e.getCause() instanceof SSLException,
                  e ->
                      TlsRefusals.refusal(
                          server,
                          hasCertificate,
                          e instanceof SSLException ssl ? ssl : (SSLException) e.getCause()));
        });
  }

  private SslProvider sslProvider() {
    if (provider.equals("openssl")) {
      if (!OpenSsl.isAvailable()) {
        throw new IllegalStateException(
            "provider=openssl needs io.netty:netty-tcnative-boringssl-static on the class path: "
                + OpenSsl.unavailabilityCause());
      }
      return SslProvider.OPENSSL;
    }
    return SslProvider.JDK;
  }

  private SslContext serverContext() {
    try {
      SslContextBuilder b =
          SslContextBuilder.forServer(file("cert", cert), file("key", key)).sslProvider(sslProvider());
      if (ca != null) {
        b.trustManager(file("ca", ca)).clientAuth(ClientAuth.REQUIRE);
      }
      return b.build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot set up TLS for " + dump() + ": " + e.getMessage(), e);
    }
  }

  private SslContext clientContext() {
    try {
      SslContextBuilder b = SslContextBuilder.forClient().sslProvider(sslProvider());
      if (ca != null) {
        b.trustManager(file("ca", ca));
      }
      if (cert != null && key != null) {
        b.keyManager(file("cert", cert), file("key", key));
      }
      return b.build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot set up TLS for " + dump() + ": " + e.getMessage(), e);
    }
  }

  private static File file(String option, @Nullable String path) {
    if (path == null) {
      throw new IllegalStateException("TLS server needs the '" + option + "' option");
    }
    File f = new File(path);
    if (!f.canRead()) {
      throw new IllegalStateException("TLS " + option + " file " + path + " is not readable");
    }
    return f;
  }

  /** Builds a {@link TcpConnector}. */
  public static final class Builder {
    private final String host;
    private final int port;
    private boolean tls;
    private @Nullable String cert;
    private @Nullable String key;
    private @Nullable String ca;
    private String provider = "jdk";
    private @Nullable SharedToken token;

    Builder(String host, int port) {
      this.host = requireNonNull(host, "host");
      if (host.isEmpty()) {
        throw new IllegalArgumentException("host is empty");
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port " + port + " is out of range 0-65535");
      }
      this.port = port;
    }

    /** Turns TLS on. */
    public Builder tls() {
      this.tls = true;
      return this;
    }

    /** Certificate chain (PEM) and private key (PKCS#8 PEM) files; implies TLS. */
    public Builder certificate(String certFile, String keyFile) {
      this.cert = requireNonNull(certFile, "certFile");
      this.key = requireNonNull(keyFile, "keyFile");
      this.tls = true;
      return this;
    }

    /** Trusted certificates (PEM file); implies TLS. */
    public Builder trust(String caFile) {
      this.ca = requireNonNull(caFile, "caFile");
      this.tls = true;
      return this;
    }

    /** {@code jdk} (default) or {@code openssl}. */
    public Builder provider(String provider) {
      if (!provider.equals("jdk") && !provider.equals("openssl")) {
        throw new IllegalArgumentException("provider must be jdk or openssl, not '" + provider + "'");
      }
      this.provider = provider;
      return this;
    }

    /**
     * Token authentication with the secret of {@code token}: a server refuses clients without it, a
     * client presents it. Turn TLS on as well, or the token crosses the network in the clear.
     */
    public Builder token(SharedToken token) {
      this.token = requireNonNull(token, "token");
      return this;
    }

    /** The connector. */
    public TcpConnector build() {
      if (!tls && (cert != null || key != null || ca != null)) {
        throw new IllegalArgumentException("cert, key and ca options need tls=true");
      }
      if ((cert == null) != (key == null)) {
        throw new IllegalArgumentException("cert and key go together");
      }
      for (int i = 0; i < host.length(); i++) {
        char c = host.charAt(i);
        if (c < 0x21 || c > 0x7e) {
          throw new IllegalArgumentException("host must be ASCII (use the punycode form): " + host);
        }
      }
      return new TcpConnector(this);
    }
  }
}
