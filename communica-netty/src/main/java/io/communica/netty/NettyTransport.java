package io.communica.netty;

import io.communica.core.transport.AdmissionCheck;
import io.communica.core.transport.ConnectionHandler;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.PeerCredentials;
import io.communica.core.transport.TransportOptions;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.SystemPropertyUtil;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.NettyPipeline;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

/**
 * Binds and connects Reactor Netty servers and clients with the frame pipeline installed: what a
 * stream transport does once it has configured the address, TLS and socket options.
 */
public final class NettyTransport {

  private static final Logger log = LoggerFactory.getLogger(NettyTransport.class);

  private NettyTransport() {}

  /**
   * The largest read, in bytes: 1 MiB, or 256 KiB where Netty's buffer allocator runs in its
   * low-memory mode (a heap of at most 512 MiB, or {@code io.netty.allocator.lowMemory}). Those
   * are the largest buffers its adaptive allocator pools (an eighth of its largest chunk); a
   * larger read would take a fresh direct buffer, zeroed by the JDK, on every read.
   */
  static final int MAX_READ =
      SystemPropertyUtil.getBoolean(
              "io.netty.allocator.lowMemory", Runtime.getRuntime().maxMemory() <= 512L * 1024 * 1024)
          ? 256 * 1024
          : 1024 * 1024;

  /** How much each read asks of the socket: see {@link ReadSizes}. */
  static final ReadSizes READS = new ReadSizes(MAX_READ);

  /**
   * Binds {@code server}, installing a {@link NettyFrameConnection} on each accepted connection
   * before any byte of it is read.
   *
   * <p>The frame handler takes the place of Reactor Netty's reactive bridge in each accepted
   * channel's pipeline, when the channel is initialised (after the TLS handlers, which stay). The
   * bridge would give every connection Reactor Netty's operations (its inbound {@code Flux}, the
   * termination sinks, the connection attribute: about 300 bytes of heap while the connection is
   * open) that nothing here uses: the frames are read by the frame handler, the session closes
   * its connections when the server closes, and Reactor Netty still binds, runs TLS and stops
   * accepting on {@code disposeNow}. With TLS the frame handler (and the session behind it) is
   * installed when the handshake has succeeded, as before: a refused handshake is logged by the
   * TLS handlers alone and opens no session.
   *
   * @param credentials the peer's identity on a connection, where the transport can read it
   * @param admission the transport's check of each client, asked by the session at its HELLO
   */
  public static Mono<DisposableServer> bind(
      TcpServer server,
      TransportOptions options,
      ConnectionHandler handler,
      Function<Channel, @Nullable PeerCredentials> credentials,
      AdmissionCheck admission) {
    return server
        .childOption(ChannelOption.RECVBUF_ALLOCATOR, READS)
        .doOnChannelInit(
            (observer, channel, remote) -> {
              ChannelPipeline pipeline = channel.pipeline();
              pipeline.remove(NettyPipeline.ReactiveBridge);
              Runnable install =
                  () ->
                      NettyFrameConnection.install(
                          channel, options, handler, credentials.apply(channel), admission);
              if (pipeline.get(NettyPipeline.SslHandler) != null) {
                pipeline.addLast(AFTER_TLS, new AfterTlsHandshake(install));
              } else {
                install.run();
              }
            })
        .bind()
        .cast(DisposableServer.class);
  }

  static final String AFTER_TLS = "communica.afterTls";

  /**
   * Holds the frame handler's place until the TLS handshake of an accepted connection succeeds,
   * then installs it: the handshake's completion event comes before the first decrypted bytes.
   */
  static final class AfterTlsHandshake extends ChannelInboundHandlerAdapter {
    private final Runnable install;

    AfterTlsHandshake(Runnable install) {
      this.install = install;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof SslHandshakeCompletionEvent done && done.isSuccess()) {
        ctx.pipeline().remove(this);
        install.run();
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      // nothing is decrypted before the handshake succeeds: bytes here are not the peer's frames
      ReferenceCountUtil.release(msg);
      ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // a refused handshake was logged by the TLS handlers; the connection goes without a session
      log.debug("connection from {} closed before its TLS handshake completed: {}",
          ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
    }
  }

  /**
   * Connects {@code client} within the options' connect timeout; completes once the frame handler
   * is installed and the connection handler has returned its listener.
   */
  public static Mono<FrameConnection> connect(
      TcpClient client,
      TransportOptions options,
      ConnectionHandler handler,
      Function<Channel, @Nullable PeerCredentials> credentials) {
    // Reactor Netty emits the connection before it runs doOnConnected; the frame handler is
    // installed there, so the Mono returned here completes from that callback instead.
    return Mono.create(
        sink ->
            client
                .option(ChannelOption.RECVBUF_ALLOCATOR, READS)
                .option(
                    ChannelOption.CONNECT_TIMEOUT_MILLIS,
                    (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()))
                .doOnConnected(
                    conn ->
                        sink.success(
                            NettyFrameConnection.install(
                                conn, options, handler, credentials.apply(conn.channel()))))
                .connect()
                .subscribe(conn -> {}, sink::error));
  }

  /** For transports that cannot tell who the peer is (TCP). */
  public static @Nullable PeerCredentials noCredentials(Channel channel) {
    return null;
  }
}
