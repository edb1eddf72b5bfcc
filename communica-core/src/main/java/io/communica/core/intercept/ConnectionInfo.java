package io.communica.core.intercept;

import org.jspecify.annotations.Nullable;

/**
 * One connection of an entity, as a {@link ConnectionListener} sees it. The counters are read from
 * any thread and may lag by the frames in progress.
 *
 * @since 0.2
 */
public interface ConnectionInfo {

  /** The peer's address as the transport names it. */
  String remoteAddress();

  /** The id of the peer (a client's id on a server, the server's on a client); null before the handshake. */
  @Nullable String peerId();

  /** Bytes handed to this connection and not yet taken by the transport. */
  long queuedBytes();

  /** Bytes of frames received (without a stream transport's length prefix). */
  long bytesRead();

  /** Bytes of frames written (without a stream transport's length prefix). */
  long bytesWritten();
}
