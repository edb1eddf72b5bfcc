package io.communica.core;

import io.communica.core.transport.PeerCredentials;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A client connected to a server.
 *
 * @param clientId the id the client chose or was given; kept across its reconnects
 * @param remoteAddress the transport address of the client's end
 * @param credentials the client process's pid and uid, on transports that can read them (local
 *     sockets); null elsewhere
 * @param connectedAt when the current connection completed its handshake
 * @since 0.1
 */
public record ClientInfo(
    String clientId,
    String remoteAddress,
    @Nullable PeerCredentials credentials,
    Instant connectedAt) {}
