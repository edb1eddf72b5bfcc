/**
 * The UDP transport: {@link io.communica.udp.UdpConnector} ({@code udp://host:port}), one frame
 * per datagram, fire-and-forget and request/response from clients to a server.
 */
@NullMarked
package io.communica.udp;

import org.jspecify.annotations.NullMarked;
