/** The TCP transport: {@link io.communica.tcp.TcpConnector}. */
@NullMarked
package io.communica.tcp;

import org.jspecify.annotations.NullMarked;
