package io.communica.core.transport;

import java.time.Duration;

/**
 * What the session layer asks of a transport when it binds or connects.
 *
 * @param maxFrameSize largest frame the transport accepts from the peer, counted with a stream
 *     transport's 4-byte length prefix; a larger length prefix is a protocol error, detected before
 *     any of the frame is buffered
 * @param connectTimeout how long a client may take to establish the transport connection
 * @since 0.1
 */
public record TransportOptions(int maxFrameSize, Duration connectTimeout) {}
