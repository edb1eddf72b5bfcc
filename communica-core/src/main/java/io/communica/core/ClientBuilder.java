package io.communica.core;

import static java.util.Objects.requireNonNull;

import io.communica.core.internal.EntityConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/**
 * Options of client entities.
 *
 * @param <B> the concrete builder
 * @param <E> the client it builds
 * @since 0.1
 */
public abstract class ClientBuilder<B extends ClientBuilder<B, E>, E extends ClientEntity<E>>
    extends EntityBuilder<B> {

  /** Default first reconnect delay, doubled on each failed attempt: 1 second. */
  public static final Duration DEFAULT_RECONNECT_INITIAL = Duration.ofSeconds(1);

  /** Default longest reconnect delay: 30 seconds. */
  public static final Duration DEFAULT_RECONNECT_MAX = Duration.ofSeconds(30);

  /** Default time to establish the transport connection: 10 seconds. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

  String clientId = UUID.randomUUID().toString();
  byte[] credentials = new byte[0];
  Duration reconnectInitial = DEFAULT_RECONNECT_INITIAL;
  Duration reconnectMax = DEFAULT_RECONNECT_MAX;
  Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;

  ClientBuilder(Connector connector) {
    super(connector);
  }

  /**
   * The id the server knows this client by, kept across reconnects: 1 to 256 UTF-8 bytes. Default
   * a random UUID.
   */
  public B clientId(String clientId) {
    requireNonNull(clientId, "clientId");
    int len = clientId.getBytes(StandardCharsets.UTF_8).length;
    if (len == 0 || len > 256) {
      throw new IllegalArgumentException("clientId must be 1 to 256 UTF-8 bytes");
    }
    this.clientId = clientId;
    return self();
  }

  /**
   * Credentials sent in the handshake for the server's {@link Authenticator}. Default none; a
   * connector with a {@link Connector#token() token} sends its secret instead (setting both fails
   * the build).
   */
  public B credentials(byte[] credentials) {
    requireNonNull(credentials, "credentials");
    if (credentials.length > 0xffff) {
      throw new IllegalArgumentException("credentials are limited to 65535 bytes");
    }
    this.credentials = credentials.clone();
    return self();
  }

  /** Credentials as UTF-8 text. */
  public B credentials(String credentials) {
    return credentials(credentials.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Reconnect backoff: the first delay, doubled on every failed attempt up to {@code max}, each
   * with random jitter of up to half. Defaults 1 s and 30 s.
   */
  public B reconnectBackoff(Duration initial, Duration max) {
    this.reconnectInitial = positive(initial, "initial");
    this.reconnectMax = positive(max, "max");
    if (max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("max backoff must not be below the initial one");
    }
    return self();
  }

  /** Time to establish the transport connection. Default 10 s. */
  public B connectTimeout(Duration timeout) {
    this.connectTimeout = positive(timeout, "timeout");
    return self();
  }

  EntityConfig clientConfig(Map<String, Handler> routes) {
    return config(
        routes,
        clientId,
        handshakeCredentials(),
        reconnectInitial,
        reconnectMax,
        connectTimeout,
        Authenticator.acceptAll());
  }

  /**
   * The credentials of the HELLO: the connector's token, read now, or those given to {@link
   * #credentials(byte[])}.
   */
  private byte[] handshakeCredentials() {
    SharedToken token = connector.token();
    if (token == null) {
      return credentials;
    }
    if (credentials.length > 0) {
      throw new IllegalStateException(
          "the connector's " + token + " is sent as the handshake's credentials: do not set"
              + " credentials(...) as well");
    }
    return token.read();
  }

  /** The client, not yet started. */
  public abstract E build();

  /** Builds and {@linkplain Entity#start() starts} the client. */
  public E start() {
    return build().start();
  }
}
