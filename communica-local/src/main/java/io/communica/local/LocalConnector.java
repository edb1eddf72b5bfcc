package io.communica.local;

import static java.util.Objects.requireNonNull;

import io.communica.core.Connector;
import io.communica.core.SharedToken;
import io.communica.core.TransportServer;
import io.communica.core.transport.ConnectionHandler;
import io.communica.core.transport.ConnectorUri;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.TransportOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Unix domain sockets: processes on one machine talk through a socket file, faster than TCP on
 * loopback and protected by the operating system. Dumps to one of
 *
 * <pre>
 * unix:///run/user/1000/app.sock           an absolute socket path
 * local://app                              a name, in a private per-user directory
 * local://app?allow-uids=1000,1001         also admit these users (or allow-uids=any)
 * local://app?tokenFile=/etc/app/token     and require a shared token (or tokenEnv=NAME)
 * </pre>
 *
 * <pre>{@code
 * SimpleServer server = SimpleServer.builder(LocalConnector.named("app")).handler(h).start();
 * new ProcessBuilder("java", "-cp", cp, "Child", server.connector().dump()).start();
 * // in the child: SimpleClient.builder(Connector.load(args[0])).start()
 * }</pre>
 *
 * <h2>What the server promises</h2>
 *
 * <ul>
 *   <li>The socket file is owner-only (0600). A {@code local://} name lives in {@code
 *       $XDG_RUNTIME_DIR/communica/}, or {@code <java.io.tmpdir>/communica-<user>/} without it; the
 *       library creates that directory owner-only (0700) and refuses one that is not.
 *   <li>A socket file left by a dead server (connecting is refused) is replaced; a live server on
 *       the path makes binding fail with "address in use" — the path is never stolen.
 *   <li>The socket file is removed when the server closes.
 *   <li>The kernel tells the server each client's pid, uid and gid (SO_PEERCRED, getpeereid);
 *       they are on {@code ClientInfo.credentials()} and reach the {@code Authenticator}. By
 *       default only the server's own user may connect; {@link #allowUids} and {@link
 *       #allowAnyUid} widen that. A refused client fails with {@code HandshakeRefusedException}
 *       giving the reason.
 *   <li>With {@code tokenEnv=NAME} or {@code tokenFile=/path} ({@link #withToken}) a client must
 *       also present the shared secret found there (see {@link SharedToken}): for users admitted by
 *       {@code allow-uids} who should still not all connect.
 * </ul>
 *
 * <p>Paths are printable ASCII, absolute, and within the platform's limit (107 bytes on Linux,
 * 103 on macOS); a longer one fails with an error saying so. Where the platform has no Unix
 * domain sockets, binding and connecting fail with an error naming why: this connector never falls
 * back to TCP. On Linux it runs on Netty's native epoll transport, elsewhere (macOS, Windows 10+,
 * BSD) on junixsocket; see the module README for why.
 *
 * <p>Connectors are immutable; the {@code allow*} methods return new ones.
 *
 * @since 0.1
 */
public final class LocalConnector extends Connector {

  static final Set<String> OPTIONS = Set.of("allow-uids", "tokenEnv", "tokenFile");

  private static final java.util.regex.Pattern NAME =
      java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  private final @Nullable Path path;
  private final @Nullable String name;
  /** null: any uid; empty: the server's own uid only. */
  private final @Nullable Set<Long> allowedUids;

  private final @Nullable LocalSockets sockets;
  private final @Nullable SharedToken token;

  private LocalConnector(
      @Nullable Path path,
      @Nullable String name,
      @Nullable Set<Long> allowedUids,
      @Nullable LocalSockets sockets,
      @Nullable SharedToken token) {
    this.path = path;
    this.name = name;
    this.allowedUids = allowedUids;
    this.sockets = sockets;
    this.token = token;
  }

  /**
   * A socket at an absolute path.
   *
   * @throws IllegalArgumentException if the path is relative, not printable ASCII, or too long for
   *     a socket address on this platform
   */
  public static LocalConnector unix(Path path) {
    requireNonNull(path, "path");
    Path p = path.normalize();
    SocketFiles.checkPath(p);
    return new LocalConnector(p, null, Set.of(), null, null);
  }

  /** A socket at an absolute path, given as a string. */
  public static LocalConnector unix(String path) {
    return unix(Path.of(requireNonNull(path, "path")));
  }

  /**
   * A socket named {@code name} in this user's private runtime directory: letters, digits, '.',
   * '_' and '-', at most 64 characters. The parent and a child it starts resolve the same name to
   * the same file (they share the environment).
   */
  public static LocalConnector named(String name) {
    requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "local socket name must be 1-64 letters, digits, '.', '_' or '-', starting with a letter"
              + " or digit: '" + name + "'");
    }
    return new LocalConnector(null, name, Set.of(), null, null);
  }

  static LocalConnector load(ConnectorUri uri) {
    SharedToken token = SharedToken.fromUri(uri);
    uri.requireOnly(OPTIONS);
    if (uri.userInfo() != null || uri.port() >= 0) {
      throw uri.invalid("a " + uri.scheme() + " connector has no user info or port");
    }
    LocalConnector c;
    try {
      if (uri.scheme().equals("unix")) {
        if (uri.host() != null) {
          throw uri.invalid("a unix connector is unix:///absolute/path (three slashes)");
        }
        String p = uri.path();
        if (p.matches("/[A-Za-z]:/.*")) {
          p = p.substring(1); // unix:///C:/Users/... on Windows
        }
        c = unix(Path.of(p));
      } else {
        String host = uri.host();
        if (host == null || !(uri.path().isEmpty() || uri.path().equals("/"))) {
          throw uri.invalid("a local connector is local://name");
        }
        c = named(host);
      }
    } catch (IllegalArgumentException e) {
      if (e.getMessage() != null && e.getMessage().startsWith("invalid connector string")) {
        throw e;
      }
      throw uri.invalid(e.getMessage());
    }
    if (token != null) {
      c = c.withToken(token);
    }
    String uids = uri.param("allow-uids");
    if (uids != null) {
      if (uids.equals("any")) {
        c = c.allowAnyUid();
      } else {
        try {
          c = c.allowUids(parseUids(uids));
        } catch (IllegalArgumentException e) {
          throw uri.invalid("allow-uids must be 'any' or a comma-separated list of uids: " + uids);
        }
      }
    }
    return c;
  }

  private static long[] parseUids(String s) {
    String[] parts = s.split(",", -1);
    long[] out = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      if (!parts[i].matches("[0-9]{1,10}")) {
        throw new IllegalArgumentException(parts[i]);
      }
      out[i] = Long.parseLong(parts[i]);
    }
    return out;
  }

  /** Admits the given users, in addition to nobody else (the server's own uid must be listed). */
  public LocalConnector allowUids(long... uids) {
    requireNonNull(uids, "uids");
    if (uids.length == 0) {
      throw new IllegalArgumentException("allowUids needs at least one uid");
    }
    Set<Long> set = new TreeSet<>();
    for (long uid : uids) {
      if (uid < 0 || uid > 0xffffffffL) {
        throw new IllegalArgumentException("uid out of range: " + uid);
      }
      set.add(uid);
    }
    return new LocalConnector(path, name, Collections.unmodifiableSet(set), sockets, token);
  }

  /** Admits every user who can open the socket file (its permissions still apply). */
  public LocalConnector allowAnyUid() {
    return new LocalConnector(path, name, null, sockets, token);
  }

  /** Admits only the server's own user: the default. */
  public LocalConnector sameUserOnly() {
    return new LocalConnector(path, name, Set.of(), sockets, token);
  }

  /**
   * Requires (on a server) and presents (on a client) the shared secret of {@code token}, besides
   * the uid check. See {@link SharedToken}.
   */
  public LocalConnector withToken(SharedToken token) {
    return new LocalConnector(path, name, allowedUids, sockets, requireNonNull(token, "token"));
  }

  @Override
  public @Nullable SharedToken token() {
    return token;
  }

  /** For tests and benchmarks: this connector on a given socket implementation. */
  LocalConnector withSockets(LocalSockets impl) {
    return new LocalConnector(path, name, allowedUids, impl, token);
  }

  @Override
  public String scheme() {
    return name != null ? "local" : "unix";
  }

  /** The socket file: the given path, or the name's file in the runtime directory. */
  public Path path() {
    return path != null ? path : SocketFiles.runtimeDirectory().resolve(name + ".sock");
  }

  /** Whether any user may connect. */
  public boolean allowsAnyUid() {
    return allowedUids == null;
  }

  /** The users allowed besides none; empty means the server's own user only (the default). */
  public Set<Long> allowedUids() {
    return allowedUids == null ? Set.of() : allowedUids;
  }

  @Override
  public String dump() {
    StringBuilder s = new StringBuilder();
    if (name != null) {
      s.append("local://").append(name);
    } else {
      String p = requireNonNull(path).toString().replace('\\', '/');
      s.append("unix://").append(p.startsWith("/") ? "" : "/").append(ConnectorUri.encode(p));
    }
    if (allowedUids == null) {
      s.append("?allow-uids=any");
    } else if (!allowedUids.isEmpty()) {
      s.append("?allow-uids=")
          .append(allowedUids.stream().map(String::valueOf).collect(Collectors.joining(",")));
    }
    if (token != null) {
      s.append(s.indexOf("?") < 0 ? '?' : '&').append(token.option());
    }
    return s.toString();
  }

  // ---------------------------------------------------------------- transport

  @Override
  public Mono<TransportServer> bind(TransportOptions options, ConnectionHandler handler) {
    requireNonNull(options, "options");
    requireNonNull(handler, "handler");
    return Mono.defer(
        () -> {
          LocalSockets impl = sockets();
          Path p = path();
          try {
            SocketFiles.checkPath(p);
            if (name != null) {
              SocketFiles.ensurePrivateDirectory(p.getParent());
            }
            SocketFiles.reclaimStale(p);
          } catch (IOException e) {
            return Mono.error(e);
          }
          PeerCheck check = new PeerCheck(allowedUids, SocketFiles.ownUid(), p.toString());
          return impl.bind(p, options, handler, check)
              .onErrorMap(e -> bindError(p, e))
              .flatMap(bound -> serving(bound, p));
        });
  }

  private LocalSockets sockets() {
    return sockets != null ? sockets : LocalSockets.select();
  }

  private static Throwable bindError(Path p, Throwable e) {
    String m = String.valueOf(e.getMessage());
    if (m.contains("in use") || m.contains("EADDRINUSE")) {
      return new IOException("address in use: " + p + " (" + m + ")", e);
    }
    return new IOException("cannot bind " + p + ": " + m, e);
  }

  private Mono<TransportServer> serving(LocalSockets.Bound bound, Path p) {
    try {
      SocketFiles.restrict(p);
    } catch (IOException e) {
      bound.close();
      return Mono.error(new IOException("cannot make " + p + " owner-only: " + e.getMessage(), e));
    }
    Object key = SocketFiles.fileKey(p);
    LocalConnector self = this;
    return Mono.just(
        new TransportServer() {
          @Override
          public Connector connector() {
            return self;
          }

          @Override
          public void close() {
            bound.close();
            SocketFiles.remove(p, key);
          }

          @Override
          public Mono<Void> onClose() {
            return bound.onClose();
          }
        });
  }

  @Override
  public Mono<FrameConnection> connect(TransportOptions options, ConnectionHandler handler) {
    requireNonNull(options, "options");
    requireNonNull(handler, "handler");
    return Mono.defer(
        () -> {
          LocalSockets impl = sockets();
          Path p = path();
          SocketFiles.checkPath(p);
          return impl.connect(p, options, handler)
              .onErrorMap(
                  e -> new IOException("cannot connect to " + p + ": " + e.getMessage(), e));
        });
  }
}
