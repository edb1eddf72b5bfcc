package io.communica.local;

import io.communica.core.transport.AdmissionCheck;
import io.communica.core.transport.ConnectionHandler;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.TransportOptions;
import io.netty.channel.epoll.Epoll;
import java.nio.file.Path;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.newsclub.net.unix.AFUNIXSocket;
import reactor.core.publisher.Mono;

/**
 * The platform-specific part of {@link LocalConnector}: binding and connecting a Unix domain socket
 * at a path. Everything else (paths, permissions, stale files, peer checks) is common code.
 *
 * <p>Two implementations: {@link EpollSockets} (Linux: Netty's native epoll transport, the same
 * pipeline as TCP) and {@link JunixSockets} (junixsocket's AF_UNIX: macOS, the BSDs, Windows 10
 * and later). {@link #select()} takes epoll where it loads and junixsocket elsewhere; the system
 * property {@value #PROPERTY} ({@code epoll} or {@code junixsocket}) forces one.
 */
interface LocalSockets {

  String PROPERTY = "communica.local.sockets";

  /** A bound server socket. */
  interface Bound {
    /** Stops accepting and closes the server socket. Idempotent. */
    void close();

    Mono<Void> onClose();
  }

  /** Name for messages: {@code epoll} or {@code junixsocket}. */
  String name();

  /**
   * Binds {@code path}, which does not exist; calls {@code handler} for each connection, whose
   * clients must pass {@code admission}.
   */
  Mono<Bound> bind(
      Path path, TransportOptions options, ConnectionHandler handler, AdmissionCheck admission);

  /** Connects to {@code path}; completes once the handler returned its listener. */
  Mono<FrameConnection> connect(Path path, TransportOptions options, ConnectionHandler handler);

  /**
   * The implementation for this platform.
   *
   * @throws IllegalStateException naming why neither is available; communica never falls back to
   *     TCP
   */
  static LocalSockets select() {
    String forced = System.getProperty(PROPERTY);
    if (forced != null) {
      return switch (forced.toLowerCase(Locale.ROOT)) {
        case "epoll" -> {
          Throwable why = epollUnavailability();
          if (why != null) {
            throw unavailable("epoll was asked for (-D" + PROPERTY + "=epoll) but " + why);
          }
          yield EpollSockets.INSTANCE;
        }
        case "junixsocket" -> {
          String why = junixUnavailability();
          if (why != null) {
            throw unavailable("junixsocket was asked for (-D" + PROPERTY + "=junixsocket) but " + why);
          }
          yield JunixSockets.INSTANCE;
        }
        default ->
            throw new IllegalStateException(
                "-D" + PROPERTY + " must be epoll or junixsocket, not '" + forced + "'");
      };
    }
    Throwable epoll = epollUnavailability();
    if (epoll == null) {
      return EpollSockets.INSTANCE;
    }
    String junix = junixUnavailability();
    if (junix == null) {
      return JunixSockets.INSTANCE;
    }
    throw unavailable("Netty epoll: " + epoll.getMessage() + "; junixsocket: " + junix);
  }

  private static IllegalStateException unavailable(String why) {
    return new IllegalStateException(
        "no Unix domain sockets on this platform ("
            + System.getProperty("os.name")
            + ", "
            + System.getProperty("os.arch")
            + "): "
            + why
            + ". communica-local never falls back to TCP; use communica-tcp on 127.0.0.1 instead.");
  }

  private static @Nullable Throwable epollUnavailability() {
    try {
      return Epoll.isAvailable() ? null : Epoll.unavailabilityCause();
    } catch (LinkageError e) {
      return e;
    }
  }

  private static @Nullable String junixUnavailability() {
    try {
      return AFUNIXSocket.isSupported() ? null : "its native library does not load here";
    } catch (LinkageError e) {
      return e.toString();
    }
  }
}
