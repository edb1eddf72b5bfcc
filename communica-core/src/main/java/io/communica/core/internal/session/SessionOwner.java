package io.communica.core.internal.session;

import io.communica.core.ClientInfo;
import org.jspecify.annotations.Nullable;

/** What a session reports to the entity it belongs to. */
public interface SessionOwner {

  /** Server: a client's HELLO; returns null to accept or the reason to refuse. */
  default @Nullable String onHello(Session session, ClientInfo client, byte[] credentials) {
    return null;
  }

  /** The handshake completed. */
  void onOpen(Session session);

  /** The connection closed (after {@link #onOpen}, or during the handshake). */
  void onClose(Session session, Throwable cause);

  /** Server: this side refuses the handshake (any reason); the session closes next. */
  default void onRefusing(Session session, String reason) {}

  /** Client: the server refused the handshake. */
  default void onRefused(Session session, String reason) {}
}
