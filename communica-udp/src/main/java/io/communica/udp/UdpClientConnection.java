package io.communica.udp;

import io.communica.core.frame.FrameType;
import io.communica.core.transport.ConnectionHandler;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.WriteListener;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.DatagramPacket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * A client's side: a datagram channel connected to the server's address (so that only its
 * datagrams are read). The session's HELLO is answered here with a WELCOME carrying the datagram
 * limits; no datagram crosses the wire until the first call.
 */
final class UdpClientConnection extends DatagramConnection {

  private static final Logger log = LoggerFactory.getLogger(UdpClientConnection.class);

  private final String remote;

  private UdpClientConnection(Channel channel, UdpConnector connector) {
    super(channel, connector.maxDatagramSize());
    this.remote = connector.dump();
  }

  static Mono<FrameConnection> connect(UdpConnector c, ConnectionHandler handler) {
    return Mono.create(
        sink -> {
          Bootstrap b =
              new Bootstrap()
                  .group(Loops.group())
                  .channel(Loops.channelType())
                  .option(ChannelOption.AUTO_READ, false)
                  // one byte more than the limit: a longer datagram shows as too long, not cut
                  .option(
                      ChannelOption.RECVBUF_ALLOCATOR,
                      new FixedRecvByteBufAllocator(c.maxDatagramSize() + 1))
                  .handler(new ChannelInboundHandlerAdapter());
          ChannelFuture f = b.connect(new InetSocketAddress(c.host(), c.port()));
          f.addListener(
              done -> {
                if (!done.isSuccess()) {
                  sink.error(
                      new IOException(
                          "cannot open a datagram channel to " + c.dump() + ": " + done.cause().getMessage(),
                          done.cause()));
                  return;
                }
                Channel ch = f.channel();
                UdpClientConnection conn = new UdpClientConnection(ch, c);
                try {
                  conn.listener = handler.onConnection(conn);
                } catch (RuntimeException e) {
                  ch.close();
                  sink.error(e);
                  return;
                }
                ch.pipeline().addLast(conn.new Inbound());
                ch.config().setAutoRead(true);
                sink.success(conn);
              });
        });
  }

  @Override
  @Nullable InetSocketAddress recipient() {
    return null; // connected
  }

  @Override
  void onSessionFrame(int type, ByteBuf frame) {
    frame.release();
    if (type == FrameType.HELLO) {
      handBack(Datagrams.welcome(alloc(), maxDatagram));
    }
  }

  @Override
  void onCall(int type, ByteBuf frame, @Nullable WriteListener written) {
    if (type == FrameType.REQUEST || type == FrameType.MESSAGE || type == FrameType.CANCEL) {
      send(frame, written);
      return;
    }
    // a reply: the server never calls over UDP, so there is nobody to answer
    frame.release();
    if (written != null) {
      written.onWritten(null);
    }
  }

  @Override
  public void close() {
    closing = true;
    channel.close();
  }

  @Override
  public String remoteAddress() {
    return remote;
  }

  /** Datagrams from the server, on the loop. */
  private final class Inbound extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      DatagramPacket p = (DatagramPacket) msg;
      try {
        ByteBuf frame = p.content();
        String why = Datagrams.reject(frame, false, maxDatagram);
        if (why != null) {
          Datagrams.DROPPED.increment();
          log.debug("dropped a datagram from {}: {}", remote, why);
          return;
        }
        Datagrams.RECEIVED.increment();
        deliver(frame);
      } finally {
        p.release();
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        writable();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // no server listens (ICMP port unreachable), or another error of one datagram: requests
      // time out, as on a network that loses them
      if (!(cause instanceof PortUnreachableException)) {
        log.debug("datagram error on {}: {}", remote, cause.toString());
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      closed(null);
    }
  }
}
