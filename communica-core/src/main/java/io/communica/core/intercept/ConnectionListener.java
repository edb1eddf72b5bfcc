package io.communica.core.intercept;

/**
 * Hears an entity's connection events: installed with {@code .connectionListener(...)} on its
 * builder. Methods run on the connection's I/O thread or the reconnect timer: they must be quick
 * and must not block; what they throw is logged and ignored.
 *
 * @since 0.2
 */
public interface ConnectionListener {

  /** A connection completed its handshake. */
  default void onOpen(ConnectionInfo connection) {}

  /** A connection that had completed its handshake closed. */
  default void onClose(ConnectionInfo connection, Throwable cause) {}

  /**
   * A handshake was refused: on a server, this side refused a client (authenticator, admission
   * check, protocol version); on a client, the server refused it.
   */
  default void onHandshakeRefused(ConnectionInfo connection, String reason) {}

  /** Client: a connection attempt failed or the connection was lost; another attempt follows. */
  default void onReconnect(int attempt) {}
}
