package io.communica.core;

import static java.util.Objects.requireNonNull;

import io.communica.core.internal.EntityConfig;
import java.util.Map;

/**
 * Options of server entities.
 *
 * @param <B> the concrete builder
 * @param <E> the server it builds
 * @since 0.1
 */
public abstract class ServerBuilder<B extends ServerBuilder<B, E>, E extends ServerEntity<E>>
    extends EntityBuilder<B> {

  Authenticator authenticator = Authenticator.acceptAll();

  ServerBuilder(Connector connector) {
    super(connector);
  }

  /**
   * Decides which clients may connect. Default: every client. With a connector that has a {@link
   * Connector#token() token}, a client must first present the token; the authenticator then sees it
   * with empty credentials.
   */
  public B authenticator(Authenticator authenticator) {
    this.authenticator = requireNonNull(authenticator, "authenticator");
    return self();
  }

  EntityConfig serverConfig(Map<String, Handler> routes) {
    SharedToken token = connector.token();
    return config(
        routes,
        "server",
        new byte[0],
        ClientBuilder.DEFAULT_RECONNECT_INITIAL,
        ClientBuilder.DEFAULT_RECONNECT_MAX,
        ClientBuilder.DEFAULT_CONNECT_TIMEOUT,
        token != null ? token.authenticator(authenticator) : authenticator);
  }

  /** The server, not yet started. */
  public abstract E build();

  /** Builds and {@linkplain Entity#start() starts} the server. */
  public E start() {
    return build().start();
  }
}
