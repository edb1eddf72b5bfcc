package io.communica.shm;

import io.communica.core.Connector;
import io.communica.core.TransportServer;
import io.communica.core.transport.AdmissionCheck;
import io.communica.core.transport.ConnectionHandler;
import io.communica.core.transport.PeerCredentials;
import io.communica.core.transport.TransportOptions;
import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * How a client reaches a server: the server listens on a Unix domain socket, its doorbell, in its
 * directory. A client creates its ring file there (0600), maps it, rings with one line naming the
 * file and its pid, and the server checks the file (regular, 0600, owned by the server's user,
 * header and size agreeing), maps it, unlinks it and answers with its own pid. The socket closes
 * after that one exchange; the rest goes through the rings. The doorbell also tells a live server
 * from a dead one: a doorbell nobody answers is what a crashed server leaves behind.
 *
 * <pre>
 * client: CONNECT 1 &lt;pid&gt;-&lt;n&gt;.ring &lt;pid&gt;\n
 * server: OK &lt;pid&gt;\n   or   NO &lt;reason&gt;\n
 * </pre>
 */
final class Doorbell implements TransportServer {

  private static final Logger log = LoggerFactory.getLogger(Doorbell.class);

  private static final Pattern REQUEST =
      Pattern.compile("CONNECT 1 ([0-9]{1,10}-[0-9]{1,10}\\.ring) ([0-9]{1,10})");
  private static final int MAX_LINE = 256;
  /** How long a client may take to ring once connected to the doorbell. */
  private static final long RING_TIMEOUT_MILLIS = 5_000;
  private static final AtomicInteger SEQUENCE = new AtomicInteger();

  private final ShmConnector connector;
  private final Path dir;
  private final Path bell;
  private final ServerSocketChannel channel;
  private final @Nullable Object bellKey;
  private final TransportOptions options;
  private final ConnectionHandler handler;
  private final long ownUid;
  private final AdmissionCheck admission;
  private final Sinks.Empty<Void> closed = Sinks.empty();
  private volatile boolean closing;

  private Doorbell(
      ShmConnector connector,
      Path dir,
      Path bell,
      ServerSocketChannel channel,
      TransportOptions options,
      ConnectionHandler handler,
      long ownUid) {
    this.connector = connector;
    this.dir = dir;
    this.bell = bell;
    this.channel = channel;
    this.bellKey = fileKey(bell);
    this.options = options;
    this.handler = handler;
    this.ownUid = ownUid;
    String address = "shm://" + connector.name();
    this.admission =
        (conn, clientId) -> {
          PeerCredentials peer = conn.peerCredentials();
          if (ownUid < 0 || (peer != null && peer.uid() == ownUid)) {
            return null;
          }
          return "uid " + (peer == null ? "unknown" : peer.uid() + " (pid " + peer.pid() + ")")
              + " may not connect to " + address + ": only the server's own user (uid " + ownUid
              + ") may";
        };
  }

  // ---------------------------------------------------------------- server

  static Doorbell bind(ShmConnector connector, TransportOptions options, ConnectionHandler handler)
      throws IOException {
    Path dir = connector.directory();
    ShmFiles.prepareServerDirectory(dir, "shm://" + connector.name());
    Path bell = ShmFiles.bell(dir);
    ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      ch.bind(UnixDomainSocketAddress.of(bell));
      Files.setPosixFilePermissions(bell, ShmFiles.OWNER_RW);
    } catch (IOException e) {
      ch.close();
      throw new IOException("cannot bind the doorbell " + bell + ": " + e.getMessage(), e);
    }
    Doorbell d = new Doorbell(connector, dir, bell, ch, options, handler, ShmFiles.uid(dir));
    Thread t = new Thread(d::acceptLoop, "communica-shm-bell-" + connector.name());
    t.setDaemon(true);
    t.start();
    return d;
  }

  private void acceptLoop() {
    while (!closing) {
      SocketChannel s;
      try {
        s = channel.accept();
      } catch (IOException e) {
        if (!closing) {
          log.error("the doorbell of shm://{} failed: no more clients can connect", connector.name(), e);
          closed.tryEmitError(e);
        }
        return;
      }
      ScheduledFuture<?> watchdog =
          ShmAgent.TIMER.schedule(() -> closeQuietly(s), RING_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
      boolean kept = false;
      try {
        kept = answer(s, watchdog);
      } catch (IOException | RuntimeException e) {
        log.warn("shm://{}: a client's ring failed: {}", connector.name(), e.toString());
      } finally {
        watchdog.cancel(false);
        if (!kept) {
          closeQuietly(s);
        }
      }
    }
  }

  /**
   * Takes one client's ring file, or tells it why not; true when the socket stays open as the
   * connection's doorbell.
   */
  private boolean answer(SocketChannel s, ScheduledFuture<?> watchdog) throws IOException {
    String line = readLine(s);
    Matcher m = REQUEST.matcher(line);
    if (!m.matches()) {
      reply(s, "NO malformed request");
      return false;
    }
    Path file = dir.resolve(m.group(1));
    long pid = Long.parseLong(m.group(2));
    RingFile ring;
    PeerCredentials peer;
    try {
      PosixFileAttributes attrs =
          Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (!attrs.isRegularFile() || !attrs.permissions().equals(ShmFiles.OWNER_RW)) {
        throw new IOException(
            file.getFileName() + " is not a regular file with mode rw------- ("
                + PosixFilePermissions.toString(attrs.permissions()) + ")");
      }
      String socketUser = peerUser(s);
      if (socketUser != null && !socketUser.equals(attrs.owner().getName())) {
        throw new IOException(
            "the ring file belongs to " + attrs.owner().getName() + ", the caller is " + socketUser);
      }
      peer = new PeerCredentials(pid, ShmFiles.uid(file), ShmFiles.gid(file));
      ring = RingFile.open(file, attrs.size(), ProcessHandle.current().pid());
    } catch (IOException e) {
      reply(s, "NO " + e.getMessage());
      return false;
    } finally {
      ShmFiles.deleteQuietly(file); // mapped by both (or refused): the name is no longer needed
    }
    if (ring.clientPid() != pid) {
      ring.unmap();
      reply(s, "NO the ring file names pid " + ring.clientPid() + ", the caller " + pid);
      return false;
    }
    try {
      reply(s, "OK " + ProcessHandle.current().pid());
    } catch (IOException e) {
      ring.unmap(); // the client gave up
      throw e;
    }
    if (!watchdog.cancel(false)) {
      ring.unmap(); // the socket was closed: too late
      return false;
    }
    ShmConnection conn =
        new ShmConnection(
            ShmAgent.of(connector.idleStrategy(), true),
            ring,
            s,
            false,
            pid,
            options.maxFrameSize(),
            "shm://" + connector.name() + " client pid " + pid,
            peer,
            admission);
    conn.open(handler)
        .whenComplete(
            (c, e) -> {
              if (e != null) {
                log.warn("shm://{}: the connection handler failed", connector.name(), e);
              }
            });
    return true;
  }

  private static @Nullable String peerUser(SocketChannel s) {
    try {
      UnixDomainPrincipal p = s.getOption(ExtendedSocketOptions.SO_PEERCRED);
      return p.user().getName();
    } catch (IOException | UnsupportedOperationException e) {
      return null; // the file's owner decides
    }
  }

  @Override
  public Connector connector() {
    return connector;
  }

  @Override
  public void close() {
    if (closing) {
      return;
    }
    closing = true;
    closeQuietly(channel);
    if (bellKey != null && bellKey.equals(fileKey(bell))) {
      ShmFiles.deleteQuietly(bell);
    }
    ShmFiles.removeIfEmpty(dir);
    closed.tryEmitEmpty();
  }

  @Override
  public Mono<Void> onClose() {
    return closed.asMono();
  }

  // ---------------------------------------------------------------- client

  /**
   * Client: creates and maps a ring file in the server's directory and rings; returns the
   * connection once the server took the file, not yet polled.
   */
  static ShmConnection announce(ShmConnector connector, TransportOptions options) throws IOException {
    String address = "shm://" + connector.name();
    Path dir = connector.directory();
    Path bell = ShmFiles.bell(dir);
    if (!Files.exists(bell, LinkOption.NOFOLLOW_LINKS)) {
      throw new ConnectException("no server at " + address + " (" + bell + " does not exist)");
    }
    long pid = ProcessHandle.current().pid();
    String name = pid + "-" + (SEQUENCE.incrementAndGet() & 0x7fffffff) + ".ring";
    Path file = dir.resolve(name);
    RingFile ring = null;
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(ShmFiles.OWNER_RW));
      Files.setPosixFilePermissions(file, ShmFiles.OWNER_RW);
      ring = RingFile.create(file, connector.ringSize(), pid);
      long serverPid;
      SocketChannel s = SocketChannel.open(StandardProtocolFamily.UNIX);
      ScheduledFuture<?> watchdog =
          ShmAgent.TIMER.schedule(
              () -> closeQuietly(s), options.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
      try {
        s.connect(UnixDomainSocketAddress.of(bell));
        s.write(ByteBuffer.wrap(("CONNECT 1 " + name + " " + pid + "\n").getBytes(StandardCharsets.US_ASCII)));
        String reply = readLine(s);
        if (!reply.startsWith("OK ")) {
          throw new IOException(
              "the server at " + address + " refused the connection: "
                  + (reply.startsWith("NO ") ? reply.substring(3) : reply));
        }
        serverPid = Long.parseLong(reply.substring(3).trim());
        if (!watchdog.cancel(false)) {
          throw new ClosedChannelException();
        }
      } catch (ClosedChannelException e) {
        closeQuietly(s);
        throw new IOException(
            "no answer from the server at " + address + " within " + options.connectTimeout().toMillis() + " ms", e);
      } catch (NumberFormatException e) {
        closeQuietly(s);
        throw new IOException("malformed answer from the server at " + address, e);
      } catch (IOException | RuntimeException e) {
        closeQuietly(s);
        throw e;
      } finally {
        watchdog.cancel(false);
      }
      return new ShmConnection(
          ShmAgent.of(connector.idleStrategy(), false),
          ring,
          s,
          true,
          serverPid,
          options.maxFrameSize(),
          address + " (pid " + serverPid + ")",
          new PeerCredentials(serverPid, ShmFiles.uid(dir), ShmFiles.gid(dir)),
          AdmissionCheck.ALLOW_ALL);
    } catch (IOException | RuntimeException e) {
      if (ring != null) {
        ring.unmap();
      }
      throw e;
    } finally {
      ShmFiles.deleteQuietly(file);
    }
  }

  // ---------------------------------------------------------------- lines

  private static String readLine(SocketChannel s) throws IOException {
    ByteBuffer one = ByteBuffer.allocate(1);
    StringBuilder line = new StringBuilder();
    while (true) {
      one.clear();
      if (s.read(one) < 0) {
        throw new IOException("the doorbell closed before a whole line");
      }
      char c = (char) (one.get(0) & 0xff);
      if (c == '\n') {
        return line.toString();
      }
      if (c < 0x20 || c > 0x7e || line.length() >= MAX_LINE) {
        throw new IOException("malformed doorbell line");
      }
      line.append(c);
    }
  }

  private static void reply(SocketChannel s, String line) throws IOException {
    ByteBuffer b = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.US_ASCII));
    while (b.hasRemaining()) {
      s.write(b);
    }
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException e) {
      // closing
    }
  }

  private static @Nullable Object fileKey(Path p) {
    try {
      return Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
          .fileKey();
    } catch (IOException e) {
      return null;
    }
  }
}
