/**
 * The Netty pipeline shared by stream transports (TCP, Unix sockets on epoll): {@link
 * io.communica.netty.NettyFrameConnection} cuts a channel's byte stream into frames and writes
 * frames to it, {@link io.communica.netty.NettyTransport} installs it on Reactor Netty servers and
 * clients. For transport modules, not applications.
 */
@NullMarked
package io.communica.netty;

import org.jspecify.annotations.NullMarked;
