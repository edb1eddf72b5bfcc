package io.communica.core.transport;

import org.jspecify.annotations.Nullable;

/**
 * A transport's say in who may connect, beside the entity's authenticator: the peer's
 * operating-system identity on a local socket today, network addresses or certificates later. The
 * session asks it when a client's HELLO arrives and answers a refusal with a REFUSE frame carrying
 * the reason, so the client fails with {@code HandshakeRefusedException} and knows why. A transport
 * never writes protocol frames itself.
 *
 * @since 0.2
 */
@FunctionalInterface
public interface AdmissionCheck {

  /** Admits everyone. */
  AdmissionCheck ALLOW_ALL = (connection, clientId) -> null;

  /**
   * Null to admit the client, or the reason it may not connect (shown to the client's user).
   *
   * @param connection the connection, for its {@link FrameConnection#peerCredentials()} and
   *     {@link FrameConnection#remoteAddress()}
   * @param clientId the client id from the HELLO frame
   */
  @Nullable String refusal(FrameConnection connection, String clientId);
}
