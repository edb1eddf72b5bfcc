package io.communica.local;

import io.communica.core.transport.AdmissionCheck;
import io.communica.core.transport.ConnectionHandler;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.PeerCredentials;
import io.communica.core.transport.TransportOptions;
import io.communica.netty.NettyFrameConnection;
import io.communica.netty.NettyTransport;
import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

/**
 * Linux: Reactor Netty on the native epoll transport. The socket runs the very pipeline of {@code
 * TcpConnector} ({@link NettyFrameConnection}); the kernel's SO_PEERCRED gives the peer's pid, uid
 * and gid.
 */
final class EpollSockets implements LocalSockets {

  static final EpollSockets INSTANCE = new EpollSockets();

  private static final Logger log = LoggerFactory.getLogger(EpollSockets.class);

  private EpollSockets() {}

  @Override
  public String name() {
    return "epoll";
  }

  @Override
  public Mono<Bound> bind(
      Path path, TransportOptions options, ConnectionHandler handler, AdmissionCheck admission) {
    return NettyTransport.bind(
            TcpServer.create().bindAddress(() -> new DomainSocketAddress(path.toString())),
            options,
            handler,
            EpollSockets::credentials,
            admission)
        .map(
            server ->
                new Bound() {
                  @Override
                  public void close() {
                    server.disposeNow();
                  }

                  @Override
                  public Mono<Void> onClose() {
                    return server.onDispose();
                  }
                });
  }

  @Override
  public Mono<FrameConnection> connect(
      Path path, TransportOptions options, ConnectionHandler handler) {
    return NettyTransport.connect(
        TcpClient.newConnection().remoteAddress(() -> new DomainSocketAddress(path.toString())),
        options,
        handler,
        EpollSockets::credentials);
  }

  private static @Nullable PeerCredentials credentials(Channel channel) {
    if (channel instanceof EpollDomainSocketChannel ch) {
      try {
        io.netty.channel.unix.PeerCredentials c = ch.peerCredentials();
        int[] gids = c.gids();
        return new PeerCredentials(c.pid(), c.uid(), gids.length > 0 ? gids[0] : -1);
      } catch (IOException e) {
        log.debug("cannot read peer credentials of {}: {}", ch, e.toString());
      }
    }
    return null;
  }
}
