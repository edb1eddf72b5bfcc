package io.communica.udp;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

/** The event loops of this process's UDP channels: daemon threads, made on first use. */
final class Loops {

  private Loops() {}

  private static final class Holder {
    static final EventLoopGroup GROUP =
        new MultiThreadIoEventLoopGroup(
            Math.min(2, Runtime.getRuntime().availableProcessors()),
            new DefaultThreadFactory("communica-udp", true),
            NioIoHandler.newFactory());
  }

  static EventLoopGroup group() {
    return Holder.GROUP;
  }
}
