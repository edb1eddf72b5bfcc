package io.communica.shm;

import static java.util.Objects.requireNonNull;

import io.communica.core.Connector;
import io.communica.core.TransportServer;
import io.communica.core.transport.ConnectionHandler;
import io.communica.core.transport.ConnectorUri;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.TransportOptions;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Shared memory between processes of one user on one machine: each connection is a pair of
 * memory-mapped ring buffers (Agrona's {@code OneToOneRingBuffer}), one per direction, and one
 * polling agent per process serves every connection. Dumps to
 *
 * <pre>
 * shm://app                        a name, in this user's private shared-memory directory
 * shm://app?idle=spin              the agent spins: lowest latency, one core busy
 * shm://app?idle=park&amp;ring=4194304  park while idle; 4 MiB rings
 * </pre>
 *
 * <pre>{@code
 * SimpleServer server = SimpleServer.builder(ShmConnector.named("app")).handler(h).start();
 * new ProcessBuilder("java", "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
 *     "-cp", cp, "Child", server.connector().dump()).start();
 * // in the child: SimpleClient.builder(Connector.load(args[0])).start()
 * }</pre>
 *
 * <p>Frames are the protocol's frames, handshake and keep-alive included, so entities,
 * serializers and errors work as on every other connector. What the transport promises:
 *
 * <ul>
 *   <li>The rings live in a directory only this user can open ({@code rwx------}; on Linux under
 *       {@code /dev/shm}, elsewhere under {@code java.io.tmpdir}), in files {@code rw-------}
 *       that are unlinked as soon as both sides mapped them.
 *   <li>A full ring is backpressure ({@code isWritable()} turns false), never a lost frame; a frame
 *       larger than a ring record is carried in pieces.
 *   <li>A peer process that dies is noticed at once: the kernel closes the doorbell socket the
 *       two sides keep open. Besides, its pid is checked every {@value
 *       ShmConnection#CHECK_MILLIS} ms, and a peer that stops polling its ring for {@value
 *       ShmConnection#HEARTBEAT_TIMEOUT_MILLIS} ms counts as dead too. Its requests fail with
 *       {@code ConnectionLostException}.
 *   <li>A directory left by a server that crashed is reclaimed by the next server of that name; a
 *       live server makes binding fail with "address in use".
 *   <li>Only the server's own user is admitted (the directory's mode, and the owner of the ring
 *       file each client creates).
 * </ul>
 *
 * <p>Agrona 2.x needs the JVM option {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED}
 * in every process that uses this connector; without it {@code bind} and {@code connect} fail
 * saying so. See the module README for the design and its figures.
 *
 * @since 0.3
 */
public final class ShmConnector extends Connector {

  /** How the polling agent waits while no ring has work. */
  public enum Idle {
    /** Spins on its own thread: the lowest latency, one core always busy. */
    SPIN,
    /**
     * Spins briefly (200 empty turns), then sleeps until a peer or a task wakes it: the default;
     * an idle connection costs almost no CPU.
     */
    BACKOFF,
    /**
     * Sleeps as soon as a turn finds no work, until woken: the least CPU; each message to an idle
     * process costs a wake-up (one byte on a socket).
     */
    PARK
  }

  /** The ring size per direction when none is given: 1 MiB. */
  public static final int DEFAULT_RING_SIZE = 1024 * 1024;

  /** The smallest ring size: 64 KiB. */
  public static final int MIN_RING_SIZE = 64 * 1024;

  /** The largest ring size: 256 MiB. */
  public static final int MAX_RING_SIZE = 256 * 1024 * 1024;

  /** The default idle strategy. */
  public static final Idle DEFAULT_IDLE = Idle.BACKOFF;

  static final Set<String> OPTIONS = Set.of("idle", "ring");

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,47}");

  private final String name;
  private final Idle idle;
  private final int ringSize;

  private ShmConnector(String name, Idle idle, int ringSize) {
    this.name = name;
    this.idle = idle;
    this.ringSize = ringSize;
  }

  /**
   * The server named {@code name}: letters, digits, '.', '_' and '-', at most 48 characters,
   * starting with a letter or digit. A parent and the children it starts resolve the same name to
   * the same directory.
   */
  public static ShmConnector named(String name) {
    requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "shared-memory name must be 1-48 letters, digits, '.', '_' or '-', starting with a"
              + " letter or digit: '" + name + "'");
    }
    return new ShmConnector(name, DEFAULT_IDLE, DEFAULT_RING_SIZE);
  }

  static ShmConnector load(ConnectorUri uri) {
    uri.requireOnly(OPTIONS);
    String host = uri.host();
    if (uri.userInfo() != null
        || uri.port() >= 0
        || host == null
        || !(uri.path().isEmpty() || uri.path().equals("/"))) {
      throw uri.invalid("a shared-memory connector is shm://name[?idle=spin|backoff|park&ring=bytes]");
    }
    ShmConnector c;
    try {
      c = named(host);
    } catch (IllegalArgumentException e) {
      throw uri.invalid(e.getMessage());
    }
    String idle = uri.param("idle");
    if (idle != null) {
      try {
        c = c.idle(Idle.valueOf(idle.toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw uri.invalid("idle must be spin, backoff or park, not '" + idle + "'");
      }
    }
    String ring = uri.param("ring");
    if (ring != null) {
      try {
        c = c.ringSize(Integer.parseInt(ring));
      } catch (IllegalArgumentException e) {
        throw uri.invalid("ring: " + e.getMessage());
      }
    }
    return c;
  }

  /** This connector with another idle strategy; the default is {@link Idle#BACKOFF}. */
  public ShmConnector idle(Idle idle) {
    return new ShmConnector(name, requireNonNull(idle, "idle"), ringSize);
  }

  /**
   * This connector with rings of {@code bytes} per direction: a power of two from {@value
   * #MIN_RING_SIZE} to {@value #MAX_RING_SIZE}; the default is {@value #DEFAULT_RING_SIZE}. The
   * client's choice applies to its connection.
   */
  public ShmConnector ringSize(int bytes) {
    if (bytes < MIN_RING_SIZE || bytes > MAX_RING_SIZE || Integer.bitCount(bytes) != 1) {
      throw new IllegalArgumentException(
          "ring size must be a power of two from " + MIN_RING_SIZE + " to " + MAX_RING_SIZE
              + " bytes, not " + bytes);
    }
    return new ShmConnector(name, idle, bytes);
  }

  /** The server's name. */
  public String name() {
    return name;
  }

  /** The idle strategy of the polling agent this connector's connections use. */
  public Idle idleStrategy() {
    return idle;
  }

  /** The size of each ring, in bytes. */
  public int ringSize() {
    return ringSize;
  }

  /** The server's directory: where clients announce themselves and create their rings. */
  public Path directory() {
    return ShmFiles.serverDirectory(name);
  }

  @Override
  public String scheme() {
    return "shm";
  }

  @Override
  public String dump() {
    StringBuilder s = new StringBuilder("shm://").append(name);
    char sep = '?';
    if (idle != DEFAULT_IDLE) {
      s.append(sep).append("idle=").append(idle.name().toLowerCase(Locale.ROOT));
      sep = '&';
    }
    if (ringSize != DEFAULT_RING_SIZE) {
      s.append(sep).append("ring=").append(ringSize);
    }
    return s.toString();
  }

  // ---------------------------------------------------------------- transport

  @Override
  public Mono<TransportServer> bind(TransportOptions options, ConnectionHandler handler) {
    requireNonNull(options, "options");
    requireNonNull(handler, "handler");
    return Mono.fromCallable(
            () -> {
              ShmFiles.requireUnsafeAccess();
              return (TransportServer) Doorbell.bind(this, options, handler);
            })
        .subscribeOn(Schedulers.boundedElastic());
  }

  @Override
  public Mono<FrameConnection> connect(TransportOptions options, ConnectionHandler handler) {
    requireNonNull(options, "options");
    requireNonNull(handler, "handler");
    return Mono.fromCallable(
            () -> {
              ShmFiles.requireUnsafeAccess();
              return Doorbell.announce(this, options);
            })
        .subscribeOn(Schedulers.boundedElastic())
        .flatMap(conn -> Mono.fromFuture(conn.open(handler)));
  }
}
