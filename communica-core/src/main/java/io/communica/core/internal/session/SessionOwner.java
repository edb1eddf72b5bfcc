package io.communica.core.internal.session;

import io.communica.core.ClientInfo;
import org.jspecify.annotations.Nullable;

/** What a session reports to the entity it belongs to. */
public interface SessionOwner {

  /** Server: a client's HELLO; returns null to accept or the reason to refuse. */
  default @Nullable String onHello(Session session, ClientInfo client, byte[] credentials) {
    return null;
  }

  /**
   * Server: whether {@code clientId} has a live connection other than {@code session} whose resume
   * token {@code token} does not match; the HELLO is then refused as "client id in use".
   */
  default boolean idInUse(Session session, String clientId, byte[] token) {
    return false;
  }

  /** Client: the resume token to present in the next HELLO; empty for none. */
  default byte[] resumeToken() {
    return new byte[0];
  }

  /** Where the closes of this owner's sessions that are not normal are logged. */
  default CloseLog closeLog() {
    return new CloseLog();
  }

  /** The handshake completed. */
  void onOpen(Session session);

  /** The connection closed (after {@link #onOpen}, or during the handshake). */
  void onClose(Session session, Throwable cause);

  /**
   * The peer shuts down (CLOSE with code {@code CLOSE_GOING_AWAY}): send no new calls on this
   * session; it still delivers the replies of the calls in flight and closes when the peer is done.
   */
  default void onPeerGoingAway(Session session, String reason) {}

  /** Server: this side refuses the handshake (any reason); the session closes next. */
  default void onRefusing(Session session, String reason) {}

  /** Client: the server refused the handshake. */
  default void onRefused(Session session, String reason) {}
}
