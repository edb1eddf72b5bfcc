package io.communica.udp;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The event loops of this process's UDP channels: daemon threads, made on first use. On Linux
 * they are Netty's epoll loops (a datagram reaches its handler one wake-up sooner than through a
 * NIO selector, as the TCP connector's Reactor Netty loops do), elsewhere NIO.
 */
final class Loops {

  private Loops() {}

  private static final class Holder {
    static final boolean EPOLL = Epoll.isAvailable();
    static final EventLoopGroup GROUP =
        new MultiThreadIoEventLoopGroup(
            Math.min(2, Runtime.getRuntime().availableProcessors()),
            new DefaultThreadFactory("communica-udp", true),
            handlers());

    private static IoHandlerFactory handlers() {
      return EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }
  }

  static EventLoopGroup group() {
    return Holder.GROUP;
  }

  /** The datagram channel type that runs on {@link #group()}. */
  static Class<? extends DatagramChannel> channelType() {
    return Holder.EPOLL ? EpollDatagramChannel.class : NioDatagramChannel.class;
  }
}
