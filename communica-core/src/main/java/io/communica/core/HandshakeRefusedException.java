package io.communica.core;

/**
 * The server refused the client's handshake: wrong protocol version, bad credentials, or a reason of
 * the server's authenticator. The message is the reason the server gave.
 *
 * @since 0.1
 */
public final class HandshakeRefusedException extends TransportException {

  /** Fixed code of this type. */
  public static final int CODE = 3;

  /** Made by communica; users catch it. */
  public HandshakeRefusedException(String reason) {
    super(reason, CODE, null, false);
  }
}
