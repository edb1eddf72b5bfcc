package io.communica.core;

/**
 * Decides whether a server accepts a client's handshake. The client sends opaque credentials
 * ({@link SimpleClient.Builder#credentials(byte[])}); a refused client's requests fail with {@link
 * HandshakeRefusedException} carrying the reason returned here.
 *
 * <pre>{@code
 * SimpleServer.builder(connector)
 *     .authenticator((client, credentials) ->
 *         Arrays.equals(credentials, secret) ? null : "bad credentials")
 * }</pre>
 *
 * @since 0.1
 */
@FunctionalInterface
public interface Authenticator {

  /**
   * Checks a connecting client. Runs on the connection's I/O thread: must not block.
   *
   * @param client who is connecting (id, address, and peer credentials on local sockets)
   * @param credentials what the client sent, empty when it sent none
   * @return null to accept, or the reason for refusing, which the client sees
   */
  @org.jspecify.annotations.Nullable
  String refusal(ClientInfo client, byte[] credentials);

  /** Accepts every client. */
  static Authenticator acceptAll() {
    return (client, credentials) -> null;
  }
}
