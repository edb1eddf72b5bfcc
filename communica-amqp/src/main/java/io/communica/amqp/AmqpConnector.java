package io.communica.amqp;

import static java.util.Objects.requireNonNull;

import com.rabbitmq.client.ConnectionFactory;
import io.communica.core.Connector;
import io.communica.core.TransportServer;
import io.communica.core.transport.ConnectionHandler;
import io.communica.core.transport.ConnectorUri;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.TransportOptions;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Set;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Entities talking through a RabbitMQ broker. The same entity code as over TCP; the connector
 * string names the broker and an <em>address</em>, the name servers listen on:
 *
 * <pre>{@code
 * Connector billing = Connector.load("amqp://guest:guest@127.0.0.1:5672/%2F?address=billing");
 * SimpleServer server = SimpleServer.builder(billing).handler(handler).start(); // any number of them
 * SimpleClient client = SimpleClient.builder(billing).clientId("shop-1").start();
 * }</pre>
 *
 * <p>What the broker adds: requests and messages wait in durable queues while no server runs or a
 * connection is down; several server processes on one address share its requests (competing
 * consumers); messages for a client wait in the client's own queue while it is away; {@code
 * fireAndForget} completes when the broker confirmed the message. See the module README for the
 * topology and the delivery promises.
 *
 * <p>String form: {@code amqp[s]://[user[:password]@]host[:port][/vhost]?address=NAME[&option=value...]}.
 * The virtual host is the path, percent-encoded ({@code /%2F} is the default vhost {@code /});
 * no path means {@code /}. Options:
 *
 * <ul>
 *   <li>{@code address} — required: letters, digits, '.', '_', '-' (at most 80).
 *   <li>{@code passwordEnv} — the name of an environment variable holding the password; the
 *       password then never appears in {@link #dump()}.
 *   <li>{@code prefix} — prefix of exchange and queue names (default {@value #DEFAULT_PREFIX}).
 *   <li>{@code prefetch} — unacknowledged deliveries per consumer (default {@value
 *       #DEFAULT_PREFETCH}): what one process takes on at once.
 *   <li>{@code heartbeat} — AMQP heartbeat with the broker (default 10s; 0s turns it off).
 *   <li>{@code liveness} — how long a client waits without a sign of any server before in-flight
 *       requests fail with "no server", and a server keeps a silent client (default 10s).
 *   <li>{@code expires} — how long a client's queue outlives the client (RabbitMQ {@code
 *       x-expires}, default 1d).
 *   <li>{@code addressExpires} — the same for the address queue and its dead-letter queue
 *       (default: kept).
 *   <li>{@code maxLength} — how many messages and requests the address queue holds while no
 *       server takes them (default {@value #DEFAULT_MAX_LENGTH}); a send to a full queue fails
 *       with {@code OverloadedException}.
 *   <li>{@code replies} — {@code queue} (default): replies to a client's requests wait in its
 *       durable queue and survive a dropped connection; {@code direct}: RabbitMQ's direct
 *       reply-to, faster and transient (a dropped broker connection loses the replies on their
 *       way and fails the client's requests in flight; see {@link Builder#directReplies}).
 * </ul>
 *
 * Durations are written {@code 500ms}, {@code 10s}, {@code 5m}, {@code 2h} or {@code 1d}. {@code
 * amqps} uses TLS with the JDK's trust store and host name verification (default port 5671).
 *
 * @since 0.1
 */
public final class AmqpConnector extends Connector {

  public static final String DEFAULT_PREFIX = "communica";
  public static final int DEFAULT_PREFETCH = 256;
  public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_LIVENESS = Duration.ofSeconds(10);
  public static final Duration DEFAULT_EXPIRES = Duration.ofDays(1);
  /**
   * Default bound of the address queue ({@code x-max-length}): what waits there while no server
   * takes it; a send beyond it fails with {@code OverloadedException}.
   */
  public static final int DEFAULT_MAX_LENGTH = 100_000;

  /**
   * Largest AMQP body this transport sends: amqp-client's default inbound limit. Larger messages
   * are refused on the sender with {@code MessageTooLargeException}.
   */
  static final int MAX_BODY = 64 * 1024 * 1024;

  static final Set<String> OPTIONS =
      Set.of(
          "address",
          "passwordEnv",
          "prefix",
          "prefetch",
          "heartbeat",
          "liveness",
          "expires",
          "addressExpires",
          "maxLength",
          "replies");

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");

  private final boolean tls;
  private final String host;
  private final int port;
  private final String vhost;
  private final @Nullable String user;
  private final @Nullable String password;
  private final @Nullable String passwordEnv;
  private final String address;
  private final String prefix;
  private final int prefetch;
  private final Duration heartbeat;
  private final Duration liveness;
  private final Duration expires;
  private final @Nullable Duration addressExpires;
  private final int maxLength;
  private final boolean directReplies;

  private AmqpConnector(Builder b) {
    this.tls = b.tls;
    this.host = b.host;
    this.port = b.port >= 0 ? b.port : (b.tls ? 5671 : 5672);
    this.vhost = b.vhost;
    this.user = b.user;
    this.password = b.password;
    this.passwordEnv = b.passwordEnv;
    this.address = b.address;
    this.prefix = b.prefix;
    this.prefetch = b.prefetch;
    this.heartbeat = b.heartbeat;
    this.liveness = b.liveness;
    this.expires = b.expires;
    this.addressExpires = b.addressExpires;
    this.maxLength = b.maxLength;
    this.directReplies = b.directReplies;
  }

  /** The address {@code address} on a broker at {@code 127.0.0.1:5672} as guest, default vhost. */
  public static AmqpConnector of(String address) {
    return builder(address).build();
  }

  /** A builder for {@code address}; the broker defaults to {@code 127.0.0.1:5672}, vhost {@code /}. */
  public static Builder builder(String address) {
    return new Builder(address);
  }

  /**
   * The address {@code address} on the broker of an AMQP URI such as {@code
   * amqp://user:pass@host:5672/vhost} (options may follow after '?').
   */
  public static AmqpConnector of(String brokerUri, String address) {
    requireNonNull(brokerUri, "brokerUri");
    requireNonNull(address, "address");
    String sep = brokerUri.indexOf('?') >= 0 ? "&" : "?";
    return load(ConnectorUri.parse(brokerUri + sep + "address=" + ConnectorUri.encode(address)));
  }

  static AmqpConnector load(ConnectorUri uri) {
    uri.requireOnly(OPTIONS);
    String scheme = uri.scheme();
    if (!scheme.equals("amqp") && !scheme.equals("amqps")) {
      throw uri.invalid("scheme must be amqp or amqps");
    }
    String host = uri.host();
    if (host == null) {
      throw uri.invalid("an amqp connector needs a host");
    }
    String address = uri.param("address");
    if (address == null) {
      throw uri.invalid("an amqp connector needs the 'address' option, e.g. ?address=billing");
    }
    try {
      Builder b = builder(address).host(host);
      if (scheme.equals("amqps")) {
        b.tls();
      }
      if (uri.port() >= 0) {
        b.port(uri.port());
      }
      String path = uri.path();
      if (path.length() > 1) {
        b.vhost(path.substring(1));
      }
      String userInfo = uri.userInfo();
      if (userInfo != null) {
        int colon = userInfo.indexOf(':');
        String u = decode(colon >= 0 ? userInfo.substring(0, colon) : userInfo);
        if (colon >= 0) {
          b.credentials(u, decode(userInfo.substring(colon + 1)));
        } else {
          b.user = u;
        }
      }
      String env = uri.param("passwordEnv");
      if (env != null) {
        if (b.password != null) {
          throw new IllegalArgumentException("give the password in the string or passwordEnv, not both");
        }
        b.passwordFromEnv(env);
      }
      String v;
      if ((v = uri.param("prefix")) != null) {
        b.prefix(v);
      }
      if ((v = uri.param("prefetch")) != null) {
        try {
          b.prefetch(Integer.parseInt(v));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("prefetch '" + v + "' is not a number");
        }
      }
      if ((v = uri.param("heartbeat")) != null) {
        b.heartbeat(Durations.parse("heartbeat", v));
      }
      if ((v = uri.param("liveness")) != null) {
        b.liveness(Durations.parse("liveness", v));
      }
      if ((v = uri.param("expires")) != null) {
        b.expires(Durations.parse("expires", v));
      }
      if ((v = uri.param("addressExpires")) != null) {
        b.addressExpires(Durations.parse("addressExpires", v));
      }
      if ((v = uri.param("maxLength")) != null) {
        try {
          b.maxLength(Integer.parseInt(v));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("maxLength '" + v + "' is not a number");
        }
      }
      if ((v = uri.param("replies")) != null) {
        switch (v) {
          case "queue" -> b.directReplies(false);
          case "direct" -> b.directReplies(true);
          default ->
              throw new IllegalArgumentException(
                  "replies '" + v + "' is neither 'queue' nor 'direct'");
        }
      }
      return b.build();
    } catch (IllegalArgumentException e) {
      throw uri.invalid(e.getMessage());
    }
  }

  @Override
  public String scheme() {
    return tls ? "amqps" : "amqp";
  }

  /**
   * {@inheritDoc} A password given with {@link Builder#passwordFromEnv} is not in the string, only
   * the variable's name; one given inline is, as the broker needs it to let a child process in.
   */
  @Override
  public String dump() {
    StringBuilder s = new StringBuilder(scheme()).append("://");
    if (user != null) {
      s.append(ConnectorUri.encode(user).replace("/", "%2F"));
      if (password != null) {
        s.append(':').append(ConnectorUri.encode(password).replace("/", "%2F"));
      }
      s.append('@');
    }
    appendHostPort(s);
    s.append("?address=").append(address);
    if (passwordEnv != null) {
      s.append("&passwordEnv=").append(ConnectorUri.encode(passwordEnv));
    }
    if (!prefix.equals(DEFAULT_PREFIX)) {
      s.append("&prefix=").append(prefix);
    }
    if (prefetch != DEFAULT_PREFETCH) {
      s.append("&prefetch=").append(prefetch);
    }
    if (!heartbeat.equals(DEFAULT_HEARTBEAT)) {
      s.append("&heartbeat=").append(Durations.format(heartbeat));
    }
    if (!liveness.equals(DEFAULT_LIVENESS)) {
      s.append("&liveness=").append(Durations.format(liveness));
    }
    if (!expires.equals(DEFAULT_EXPIRES)) {
      s.append("&expires=").append(Durations.format(expires));
    }
    if (addressExpires != null) {
      s.append("&addressExpires=").append(Durations.format(addressExpires));
    }
    if (maxLength != DEFAULT_MAX_LENGTH) {
      s.append("&maxLength=").append(maxLength);
    }
    if (directReplies) {
      s.append("&replies=direct");
    }
    return s.toString();
  }

  /** The broker and address without credentials, for messages and logs. */
  String describe() {
    StringBuilder s = new StringBuilder(scheme()).append("://");
    appendHostPort(s);
    return s.append("?address=").append(address).toString();
  }

  private void appendHostPort(StringBuilder s) {
    s.append(host.indexOf(':') >= 0 ? "[" + host + "]" : host).append(':').append(port);
    s.append('/').append(ConnectorUri.encode(vhost).replace("/", "%2F"));
  }

  /** The address: the name servers listen on and clients send to. */
  public String address() {
    return address;
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  public String vhost() {
    return vhost;
  }

  public boolean tls() {
    return tls;
  }

  public String prefix() {
    return prefix;
  }

  public int prefetch() {
    return prefetch;
  }

  public Duration heartbeat() {
    return heartbeat;
  }

  public Duration liveness() {
    return liveness;
  }

  public Duration expires() {
    return expires;
  }

  public @Nullable Duration addressExpires() {
    return addressExpires;
  }

  /** Whether replies use RabbitMQ's direct reply-to: see {@link Builder#directReplies}. */
  public boolean directReplies() {
    return directReplies;
  }

  /** The bound of the address queue: see {@link Builder#maxLength}. */
  public int maxLength() {
    return maxLength;
  }

  /** The same broker and options for another address. */
  public AmqpConnector withAddress(String otherAddress) {
    Builder b = toBuilder();
    b.address = checkName("address", otherAddress, 80);
    return b.build();
  }

  private Builder toBuilder() {
    Builder b = new Builder(address);
    b.tls = tls;
    b.host = host;
    b.port = port;
    b.vhost = vhost;
    b.user = user;
    b.password = password;
    b.passwordEnv = passwordEnv;
    b.prefix = prefix;
    b.prefetch = prefetch;
    b.heartbeat = heartbeat;
    b.liveness = liveness;
    b.expires = expires;
    b.addressExpires = addressExpires;
    b.maxLength = maxLength;
    b.directReplies = directReplies;
    return b;
  }

  /** A configured amqp-client factory (no automatic recovery: the link recovers itself). */
  ConnectionFactory factory(Duration connectTimeout) {
    ConnectionFactory f = new ConnectionFactory();
    f.setHost(host);
    f.setPort(port);
    f.setVirtualHost(vhost);
    if (user != null) {
      f.setUsername(user);
    }
    String pw = password;
    if (passwordEnv != null) {
      pw = System.getenv(passwordEnv);
      if (pw == null) {
        throw new IllegalStateException(
            "the environment variable " + passwordEnv + " (passwordEnv of " + describe()
                + ") is not set");
      }
    }
    if (pw != null) {
      f.setPassword(pw);
    }
    f.setRequestedHeartbeat((int) heartbeat.toSeconds());
    f.setConnectionTimeout((int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
    f.setHandshakeTimeout((int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
    f.setAutomaticRecoveryEnabled(false);
    f.setTopologyRecoveryEnabled(false);
    f.setChannelRpcTimeout(30_000);
    // receive whatever the broker accepts (RabbitMQ's default limit is 128 MiB), so that an
    // oversized message from a foreign publisher is dead-lettered rather than breaking the link
    f.setMaxInboundMessageBodySize(128 * 1024 * 1024 + 4096);
    if (tls) {
      try {
        f.useSslProtocol(SSLContext.getDefault());
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("cannot set up TLS for " + describe() + ": " + e, e);
      }
      f.enableHostnameVerification();
    }
    return f;
  }

  // ---------------------------------------------------------------- transport

  @Override
  public Mono<TransportServer> bind(TransportOptions options, ConnectionHandler handler) {
    requireNonNull(handler, "handler");
    return Mono.defer(() -> new AmqpTransportServer(this, options, handler).start());
  }

  @Override
  public Mono<FrameConnection> connect(TransportOptions options, ConnectionHandler handler) {
    requireNonNull(handler, "handler");
    return Mono.defer(() -> new ClientLogicalConnection(this, options).start(handler));
  }

  // ---------------------------------------------------------------- helpers

  static String checkName(String what, String value, int max) {
    requireNonNull(value, what);
    if (value.isEmpty() || value.length() > max || !NAME.matcher(value).matches()) {
      throw new IllegalArgumentException(
          what + " '" + value + "' must be 1 to " + max + " letters, digits, '.', '_' or '-'");
    }
    return value;
  }

  private static String decode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length()) {
          throw new IllegalArgumentException("truncated percent escape in the user info");
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw new IllegalArgumentException("bad percent escape in the user info");
        }
        out.write(hi << 4 | lo);
        i += 2;
      } else {
        out.write(c);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** Builds an {@link AmqpConnector}. */
  public static final class Builder {
    private boolean tls;
    private String host = "127.0.0.1";
    private int port = -1;
    private String vhost = "/";
    private @Nullable String user;
    private @Nullable String password;
    private @Nullable String passwordEnv;
    private String address;
    private String prefix = DEFAULT_PREFIX;
    private int prefetch = DEFAULT_PREFETCH;
    private Duration heartbeat = DEFAULT_HEARTBEAT;
    private Duration liveness = DEFAULT_LIVENESS;
    private Duration expires = DEFAULT_EXPIRES;
    private @Nullable Duration addressExpires;
    private int maxLength = DEFAULT_MAX_LENGTH;
    private boolean directReplies;

    Builder(String address) {
      this.address = checkName("address", address, 80);
    }

    /** The broker's host (default 127.0.0.1). */
    public Builder host(String host) {
      requireNonNull(host, "host");
      for (int i = 0; i < host.length(); i++) {
        char c = host.charAt(i);
        if (c < 0x21 || c > 0x7e) {
          throw new IllegalArgumentException("host must be ASCII (use the punycode form): " + host);
        }
      }
      if (host.isEmpty()) {
        throw new IllegalArgumentException("host is empty");
      }
      this.host = host;
      return this;
    }

    /** The broker's port (default 5672, or 5671 with TLS). */
    public Builder port(int port) {
      if (port <= 0 || port > 65535) {
        throw new IllegalArgumentException("port " + port + " is out of range 1-65535");
      }
      this.port = port;
      return this;
    }

    /** TLS ({@code amqps}), with the JDK's trust store and host name verification. */
    public Builder tls() {
      this.tls = true;
      return this;
    }

    /** The virtual host (default {@code /}). */
    public Builder vhost(String vhost) {
      this.vhost = requireNonNull(vhost, "vhost");
      return this;
    }

    /** User and password; both appear in {@link AmqpConnector#dump()}. */
    public Builder credentials(String user, String password) {
      this.user = requireNonNull(user, "user");
      this.password = requireNonNull(password, "password");
      this.passwordEnv = null;
      return this;
    }

    /**
     * The password is read from the environment variable {@code variable} when connecting; the
     * dump names the variable, never the password, so a child process that inherits the
     * environment connects with it.
     */
    public Builder passwordFromEnv(String variable) {
      requireNonNull(variable, "variable");
      if (variable.isEmpty()) {
        throw new IllegalArgumentException("passwordEnv is empty");
      }
      this.passwordEnv = variable;
      this.password = null;
      return this;
    }

    /** The user, with {@link #passwordFromEnv}. */
    public Builder user(String user) {
      this.user = requireNonNull(user, "user");
      return this;
    }

    /** Prefix of exchange and queue names (default {@value AmqpConnector#DEFAULT_PREFIX}). */
    public Builder prefix(String prefix) {
      this.prefix = checkName("prefix", prefix, 50);
      return this;
    }

    /** Unacknowledged deliveries per consumer (default {@value AmqpConnector#DEFAULT_PREFETCH}). */
    public Builder prefetch(int prefetch) {
      if (prefetch < 1 || prefetch > 65535) {
        throw new IllegalArgumentException("prefetch " + prefetch + " is out of range 1-65535");
      }
      this.prefetch = prefetch;
      return this;
    }

    /** AMQP heartbeat with the broker, whole seconds (default 10s; zero turns it off). */
    public Builder heartbeat(Duration heartbeat) {
      requireNonNull(heartbeat, "heartbeat");
      if (heartbeat.isNegative() || heartbeat.toSeconds() > 3600 || heartbeat.toNanos() % 1_000_000_000L != 0) {
        throw new IllegalArgumentException("heartbeat must be whole seconds from 0s to 3600s");
      }
      this.heartbeat = heartbeat;
      return this;
    }

    /**
     * How long a client goes without a sign of any server before its in-flight requests fail with
     * "no server", and how long a server keeps a client that stopped announcing itself (default
     * 10s; from 300ms to 1h). Both sides announce themselves three times per period.
     */
    public Builder liveness(Duration liveness) {
      requireNonNull(liveness, "liveness");
      if (liveness.toMillis() < 300 || liveness.toMinutes() > 60) {
        throw new IllegalArgumentException("liveness must be from 300ms to 1h");
      }
      this.liveness = liveness;
      return this;
    }

    /** How long a client's queue outlives its client ({@code x-expires}, default 1 day). */
    public Builder expires(Duration expires) {
      this.expires = checkExpiry("expires", expires);
      return this;
    }

    /** How long the address queue outlives its last server and client (default: kept). */
    public Builder addressExpires(Duration expires) {
      this.addressExpires = checkExpiry("addressExpires", expires);
      return this;
    }

    /**
     * How many messages and requests the address queue holds while no server takes them (RabbitMQ
     * {@code x-max-length} with {@code x-overflow: reject-publish}; default {@value
     * AmqpConnector#DEFAULT_MAX_LENGTH}). A send to a full queue is refused by the broker and fails
     * with {@code OverloadedException}; nothing already queued is dropped. Every process of an
     * address must use the same value: the broker refuses to declare a queue again with other
     * arguments.
     */
    public Builder maxLength(int maxLength) {
      if (maxLength < 1) {
        throw new IllegalArgumentException("maxLength " + maxLength + " must be at least 1");
      }
      this.maxLength = maxLength;
      return this;
    }

    /**
     * Replies to a client's requests by RabbitMQ's direct reply-to ({@code amq.rabbitmq.reply-to},
     * option {@code replies=direct}) instead of through the client's durable queue: no queue
     * write, no acknowledgement, fewer broker hops. It is transient: a reply travels only while
     * the client's broker connection that sent the request is up. When that connection drops the
     * client closes its logical connection at once, so its requests in flight fail with {@code
     * ConnectionLostException} (their server may have handled them, and their reply is lost) and
     * what the broker had not confirmed fails like any send on a lost connection; the entity then
     * connects again, as over a socket. Everything else (requests waiting in the address queue,
     * messages, streams, server-to-client calls) travels as without this option. Only the client's
     * setting matters: a server answers to whatever reply-to a request names.
     */
    public Builder directReplies(boolean direct) {
      this.directReplies = direct;
      return this;
    }

    private static Duration checkExpiry(String what, Duration d) {
      requireNonNull(d, what);
      if (d.toMillis() < 1000 || d.toDays() > 365) {
        throw new IllegalArgumentException(what + " must be from 1s to 365d");
      }
      return d;
    }

    public AmqpConnector build() {
      if (liveness.compareTo(expires) >= 0) {
        throw new IllegalArgumentException("expires must be longer than liveness");
      }
      return new AmqpConnector(this);
    }
  }
}
