package io.communica.local;

import io.communica.core.transport.AdmissionCheck;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.PeerCredentials;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The server's check of who connects: the peer's uid, read from the kernel, against the allowed
 * set. It is the transport's {@link AdmissionCheck}: the session asks it when the client's HELLO
 * arrives and answers a refusal with a REFUSE frame carrying the reason, so the client fails with
 * {@code HandshakeRefusedException} and knows why.
 */
final class PeerCheck implements AdmissionCheck {

  private final @Nullable Set<Long> allowed;
  private final long ownUid;
  private final String where;

  /**
   * @param allowed the allowed uids; null allows any; empty means only {@code ownUid}
   */
  PeerCheck(@Nullable Set<Long> allowed, long ownUid, String where) {
    this.allowed = allowed;
    this.ownUid = ownUid;
    this.where = where;
  }

  @Override
  public @Nullable String refusal(FrameConnection connection, String clientId) {
    return refusal(connection.peerCredentials());
  }
  /** Null to accept, or why not. */
  @Nullable String refusal(@Nullable PeerCredentials peer) {
    if (allowed == null) {
      return null;
    }
    Set<Long> ok = allowed.isEmpty() ? (ownUid >= 0 ? Set.of(ownUid) : Set.of()) : allowed;
    if (peer == null) {
      if (allowed.isEmpty() && ownUid < 0) {
        // no numeric users here (Windows): the socket file's access control decides
        return null;
      }
      return "the server on " + where + " cannot read the peer's credentials on this platform"
          + " and only admits uids " + new TreeSet<>(ok);
    }
    if (ok.contains(peer.uid())) {
      return null;
    }
    return "uid "
        + peer.uid()
        + " (pid "
        + peer.pid()
        + ") may not connect to "
        + where
        + ": "
        + (allowed.isEmpty()
            ? "only the server's own user (uid " + ownUid + ") may"
            : "allowed uids are " + new TreeSet<>(ok))
        + "; the server's allow-uids option admits others";
  }
}
