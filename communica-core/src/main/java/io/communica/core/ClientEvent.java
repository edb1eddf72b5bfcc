package io.communica.core;

/**
 * A client connected to or disconnected from a server; see {@link SimpleServer#events()}.
 *
 * @param type what happened
 * @param client the client
 * @since 0.1
 */
public record ClientEvent(Type type, ClientInfo client) {

  /** What happened. */
  public enum Type {
    /** The client completed its handshake. */
    CONNECTED,
    /** The client's connection closed. */
    DISCONNECTED
  }
}
