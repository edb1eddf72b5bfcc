package io.communica.local;

import io.communica.core.transport.AdmissionCheck;
import io.communica.core.transport.ConnectionHandler;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.PeerCredentials;
import io.communica.core.transport.TransportOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketCredentials;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * Everywhere junixsocket has a native library (macOS, the BSDs, Windows 10+ AF_UNIX, Linux):
 * blocking junixsocket sockets carried by {@link StreamFrameConnection}, one accept thread per
 * server. junixsocket publishes no Netty transport, and a blocking socket behind the stream
 * connection keeps this part small; it costs a thread hand-off per read, which the epoll path
 * avoids on Linux (see the module README for the measured difference).
 */
final class JunixSockets implements LocalSockets {

  static final JunixSockets INSTANCE = new JunixSockets();

  private static final Logger log = LoggerFactory.getLogger(JunixSockets.class);

  private JunixSockets() {}

  @Override
  public String name() {
    return "junixsocket";
  }

  @Override
  public Mono<Bound> bind(
      Path path, TransportOptions options, ConnectionHandler handler, AdmissionCheck admission) {
    return Mono.fromCallable(
            () -> {
              AFUNIXServerSocket server = AFUNIXServerSocket.newInstance();
              try {
                // never unlink a file that is there: LocalConnector decided what to do with it
                server.setReuseAddress(false);
                server.setDeleteOnClose(true);
                server.bind(AFUNIXSocketAddress.of(path));
              } catch (IOException | RuntimeException e) {
                server.close();
                throw e;
              }
              return accepting(server, path, options, handler, admission);
            })
        .subscribeOn(Schedulers.boundedElastic());
  }

  private static Bound accepting(
      AFUNIXServerSocket server,
      Path path,
      TransportOptions options,
      ConnectionHandler handler,
      AdmissionCheck admission) {
    Sinks.Empty<Void> closed = Sinks.empty();
    Thread acceptor =
        new Thread(
            () -> {
              try {
                while (!server.isClosed()) {
                  AFUNIXSocket socket = server.accept();
                  StreamFrameConnection.open(
                          endpoint(socket, path, admission), options.maxFrameSize(), handler,
                          "communica-junixsocket", true)
                      .exceptionally(
                          e -> {
                            log.debug("connection on {} not set up: {}", path, e.toString());
                            return null;
                          });
                }
              } catch (IOException e) {
                if (!server.isClosed()) {
                  log.warn("accepting on {} failed: {}", path, e.toString());
                }
              } finally {
                closed.tryEmitEmpty();
              }
            },
            "communica-junixsocket-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    return new Bound() {
      @Override
      public void close() {
        try {
          server.close();
        } catch (IOException e) {
          log.debug("closing {} failed: {}", path, e.toString());
        }
        closed.tryEmitEmpty();
      }

      @Override
      public Mono<Void> onClose() {
        return closed.asMono();
      }
    };
  }

  @Override
  public Mono<FrameConnection> connect(
      Path path, TransportOptions options, ConnectionHandler handler) {
    return Mono.fromCallable(
            () -> {
              AFUNIXSocket socket = AFUNIXSocket.newInstance();
              try {
                socket.connect(
                    AFUNIXSocketAddress.of(path),
                    (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()));
              } catch (IOException | RuntimeException e) {
                socket.close();
                throw e;
              }
              return socket;
            })
        .subscribeOn(Schedulers.boundedElastic())
        .flatMap(
            socket ->
                Mono.fromFuture(
                    StreamFrameConnection.open(
                        endpoint(socket, path, AdmissionCheck.ALLOW_ALL), options.maxFrameSize(),
                        handler,
                        "communica-junixsocket", true)));
  }

  private static StreamFrameConnection.Endpoint endpoint(
      AFUNIXSocket socket, Path path, AdmissionCheck admission) {
    PeerCredentials credentials = null;
    try {
      AFUNIXSocketCredentials c = socket.getPeerCredentials();
      if (c != null && !c.isEmpty()) {
        credentials = new PeerCredentials(c.getPid(), c.getUid(), c.getGid());
      }
    } catch (IOException | UnsupportedOperationException e) {
      log.debug("cannot read peer credentials on {}: {}", path, e.toString());
    }
    PeerCredentials peer = credentials;
    String describe = path.toString();
    return new StreamFrameConnection.Endpoint() {
      @Override
      public InputStream input() {
        try {
          return socket.getInputStream();
        } catch (IOException e) {
          return InputStream.nullInputStream();
        }
      }

      @Override
      public OutputStream output() {
        try {
          return socket.getOutputStream();
        } catch (IOException e) {
          return OutputStream.nullOutputStream();
        }
      }

      @Override
      public String describe() {
        return describe;
      }

      @Override
      public @Nullable PeerCredentials credentials() {
        return peer;
      }

      @Override
      public AdmissionCheck admission() {
        return admission;
      }

      @Override
      public @Nullable Throwable endCause(@Nullable IOException error) {
        return error;
      }

      @Override
      public void release() {
        try {
          socket.close();
        } catch (IOException e) {
          // closed
        }
      }
    };
  }
}
