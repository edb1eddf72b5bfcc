package io.communica.udp;

import io.communica.core.Connector;
import io.communica.core.TransportServer;
import io.communica.core.transport.ConnectionHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A server's datagram channel. Each new sender address becomes a peer ({@link UdpPeer}): the
 * transport's connection for the session, whose handshake is a HELLO handed over here with the
 * address as client id. Peers that sent nothing for {@value #IDLE_SECONDS} s are forgotten; at
 * most {@value #MAX_PEERS} are kept, and datagrams from further addresses are dropped.
 */
final class UdpServerChannel implements TransportServer {

  private static final Logger log = LoggerFactory.getLogger(UdpServerChannel.class);

  /** Seconds after which a peer that sent nothing is forgotten (its session closes). */
  static final int IDLE_SECONDS = 120;

  /** The most peers a server keeps. */
  static final int MAX_PEERS = 4096;

  private final ConnectionHandler handler;
  private final int maxDatagram;
  private final Channel channel;
  private final UdpConnector bound;
  private final Sinks.Empty<Void> closed = Sinks.empty();
  // loop only
  private final Map<InetSocketAddress, UdpPeer> peers = new HashMap<>();
  private @Nullable ScheduledFuture<?> sweep;

  private UdpServerChannel(UdpConnector bound, Channel channel, ConnectionHandler handler) {
    this.bound = bound;
    this.channel = channel;
    this.handler = handler;
    this.maxDatagram = bound.maxDatagramSize();
  }

  static Mono<TransportServer> bind(UdpConnector c, ConnectionHandler handler) {
    return Mono.create(
        sink -> {
          ChannelFuture f =
              new Bootstrap()
                  .group(Loops.group())
                  .channel(Loops.channelType())
                  .option(ChannelOption.AUTO_READ, false)
                  .option(
                      ChannelOption.RECVBUF_ALLOCATOR,
                      new FixedRecvByteBufAllocator(c.maxDatagramSize() + 1))
                  .handler(new ChannelInboundHandlerAdapter())
                  .bind(c.host(), c.port());
          f.addListener(
              done -> {
                if (!done.isSuccess()) {
                  sink.error(
                      new IOException(
                          "cannot bind " + c.dump() + ": " + done.cause().getMessage(), done.cause()));
                  return;
                }
                Channel ch = f.channel();
                int port = ((InetSocketAddress) ch.localAddress()).getPort();
                UdpServerChannel s = new UdpServerChannel(c.withPort(port), ch, handler);
                ch.pipeline().addLast(s.new Inbound());
                s.sweep =
                    ch.eventLoop().scheduleAtFixedRate(s::forgetIdle, 10, 10, TimeUnit.SECONDS);
                ch.closeFuture().addListener(x -> s.onChannelClosed());
                ch.config().setAutoRead(true);
                sink.success(s);
              });
        });
  }

  /** Loop: the peer ended; it is forgotten. */
  void remove(UdpPeer peer) {
    peers.remove(peer.address(), peer);
  }

  private void forgetIdle() {
    long limit = System.nanoTime() - TimeUnit.SECONDS.toNanos(IDLE_SECONDS);
    for (UdpPeer p : new ArrayList<>(peers.values())) {
      if (p.lastSeen() - limit < 0) {
        log.debug("forgetting {}: nothing from it for {} s", p.remoteAddress(), IDLE_SECONDS);
        p.close();
      }
    }
  }

  private void onChannelClosed() {
    ScheduledFuture<?> s = sweep;
    if (s != null) {
      s.cancel(false);
    }
    List<UdpPeer> all = new ArrayList<>(peers.values());
    peers.clear();
    for (UdpPeer p : all) {
      p.closed(null);
    }
    closed.tryEmitEmpty();
  }

  @Override
  public Connector connector() {
    return bound;
  }

  @Override
  public void close() {
    channel.close();
  }

  @Override
  public Mono<Void> onClose() {
    return closed.asMono();
  }

  /** Datagrams from clients, on the loop. */
  private final class Inbound extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      DatagramPacket p = (DatagramPacket) msg;
      try {
        ByteBuf frame = p.content();
        InetSocketAddress from = p.sender();
        String why = Datagrams.reject(frame, true, maxDatagram);
        if (why != null) {
          Datagrams.DROPPED.increment();
          log.debug("dropped a datagram from {}: {}", from, why);
          return;
        }
        UdpPeer peer = peers.get(from);
        if (peer == null) {
          if (peers.size() >= MAX_PEERS) {
            Datagrams.DROPPED.increment();
            log.debug("dropped a datagram from {}: {} peers already", from, MAX_PEERS);
            return;
          }
          peer = new UdpPeer(UdpServerChannel.this, channel, from, maxDatagram);
          peers.put(from, peer);
          peer.listener = handler.onConnection(peer);
          ByteBuf hello =
              Datagrams.hello(channel.alloc(), "udp:" + NetUtil.toSocketAddressString(from), maxDatagram);
          try {
            peer.deliver(hello);
          } finally {
            hello.release();
          }
        }
        if (peer.closing) {
          Datagrams.DROPPED.increment(); // refused at its handshake
          return;
        }
        Datagrams.RECEIVED.increment();
        peer.touch();
        peer.deliver(frame);
      } finally {
        p.release();
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        for (UdpPeer p : new ArrayList<>(peers.values())) {
          p.writable();
        }
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug("datagram error on {}: {}", bound.dump(), cause.toString());
    }
  }
}
