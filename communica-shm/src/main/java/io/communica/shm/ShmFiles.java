package io.communica.shm;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the rings live: this user's private directory (0700) under {@code /dev/shm} on Linux,
 * under {@code java.io.tmpdir} elsewhere, with one directory per server name (0700) holding the
 * server's doorbell socket and the ring files clients create (0600).
 */
final class ShmFiles {

  private static final Logger log = LoggerFactory.getLogger(ShmFiles.class);

  static final Set<PosixFilePermission> OWNER_RW = PosixFilePermissions.fromString("rw-------");
  static final Set<PosixFilePermission> OWNER_RWX = PosixFilePermissions.fromString("rwx------");

  /** The doorbell socket's name in a server's directory. */
  static final String BELL = "bell.sock";

  /** Longest Unix socket path in bytes ({@code sun_path} less its NUL; 103 on macOS). */
  private static final int MAX_SOCKET_PATH = 103;

  private ShmFiles() {}

  /** This user's directory of servers. */
  static Path userDirectory() {
    Path devShm = Path.of("/dev/shm");
    Path base =
        Files.isDirectory(devShm) && Files.isWritable(devShm)
            ? devShm
            : Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
    String user =
        System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
    return base.resolve("communica-" + user);
  }

  static Path serverDirectory(String name) {
    return userDirectory().resolve(name);
  }

  /**
   * Fails when Agrona cannot reach the JDK's internal {@code Unsafe}: Agrona 2.x needs the JVM
   * option {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED}.
   */
  static void requireUnsafeAccess() {
    Module agrona = org.agrona.concurrent.UnsafeBuffer.class.getModule();
    if (!Object.class.getModule().isExported("jdk.internal.misc", agrona)) {
      throw new IllegalStateException(
          "communica-shm needs the JVM option --add-exports java.base/jdk.internal.misc="
              + (agrona.isNamed() ? agrona.getName() : "ALL-UNNAMED")
              + " (Agrona 2.x, which maps the rings, uses the JDK's internal Unsafe); add it to"
              + " the java command line of every process that uses shm://");
    }
  }

  /**
   * Creates {@code dir} owner-only, or checks that an existing one is a directory of this user with
   * mode 0700.
   */
  static void ensurePrivateDirectory(Path dir) throws IOException {
    try {
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_RWX));
      Files.setPosixFilePermissions(dir, OWNER_RWX); // the umask may have taken bits away
      return;
    } catch (FileAlreadyExistsException e) {
      // checked below
    }
    PosixFileAttributes attrs =
        Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (!attrs.isDirectory()) {
      throw new IOException(dir + " exists and is not a directory");
    }
    String me = System.getProperty("user.name");
    if (me != null && !attrs.owner().getName().equals(me)) {
      throw new IOException(
          dir + " belongs to " + attrs.owner().getName() + ", not to " + me
              + ": refusing to put shared memory there");
    }
    if (!attrs.permissions().equals(OWNER_RWX)) {
      throw new IOException(
          dir + " has permissions " + PosixFilePermissions.toString(attrs.permissions())
              + "; it must be rwx------ (owner only)");
    }
  }

  /** The doorbell of a server directory, checked for the platform's socket path limit. */
  static Path bell(Path serverDir) {
    Path bell = serverDir.resolve(BELL);
    int bytes = bell.toString().getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_SOCKET_PATH) {
      throw new IllegalArgumentException(
          "the doorbell socket " + bell + " is " + bytes + " bytes, longer than the "
              + MAX_SOCKET_PATH + " a Unix socket address holds: use a shorter name");
    }
    return bell;
  }

  /**
   * Makes a server directory ready for a new server: creates it, or reclaims one left by a server
   * that died (nobody answers its doorbell): its leftover files are removed. A live server fails
   * with "address in use"; the directory is never taken from it.
   */
  static void prepareServerDirectory(Path dir, String address) throws IOException {
    ensurePrivateDirectory(dir.getParent());
    ensurePrivateDirectory(dir);
    Path bell = bell(dir);
    if (Files.exists(bell, LinkOption.NOFOLLOW_LINKS)) {
      try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
        probe.connect(UnixDomainSocketAddress.of(bell));
        throw new IOException("address in use: a server is serving " + address + " (" + dir + ")");
      } catch (ConnectException refused) {
        // nobody listens: a server that died
      }
    }
    int removed = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        if (Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS)) {
          throw new IOException(dir + " holds a directory " + f.getFileName() + "; not touching it");
        }
        Files.deleteIfExists(f);
        removed++;
      }
    }
    if (removed > 0) {
      log.info("reclaimed {}: removed {} file(s) left by a server that is gone", dir, removed);
    }
  }

  /** Removes a server's directory when nothing is left in it; quiet when it is not empty. */
  static void removeIfEmpty(Path dir) {
    try {
      Files.deleteIfExists(dir);
    } catch (java.nio.file.DirectoryNotEmptyException e) {
      // a client's handshake under way: its client removes its file
    } catch (IOException e) {
      log.debug("cannot remove {}: {}", dir, e.toString());
    }
  }

  static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.debug("cannot remove {}: {}", file, e.toString());
    }
  }

  /** The numeric owner of a file, or -1 where the file system has none. */
  static long uid(Path file) throws IOException {
    try {
      return ((Number) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      return -1;
    } catch (NoSuchFileException e) {
      throw e;
    }
  }

  static long gid(Path file) {
    try {
      return ((Number) Files.getAttribute(file, "unix:gid", LinkOption.NOFOLLOW_LINKS)).longValue();
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return -1;
    }
  }
}
