/**
 * The frame codec and Netty pipeline shared by stream transports (TCP, Unix sockets): for transport
 * modules, not applications.
 */
@NullMarked
package io.communica.core.stream;

import org.jspecify.annotations.NullMarked;
