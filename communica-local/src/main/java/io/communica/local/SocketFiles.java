package io.communica.local;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Socket paths: length limits, the per-user directory, permissions, stale files. */
final class SocketFiles {

  private static final Logger log = LoggerFactory.getLogger(SocketFiles.class);

  static final Set<PosixFilePermission> OWNER_RW = PosixFilePermissions.fromString("rw-------");
  static final Set<PosixFilePermission> OWNER_RWX = PosixFilePermissions.fromString("rwx------");

  private static final boolean POSIX =
      java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private SocketFiles() {}

  /**
   * Longest socket path in bytes, without the terminating NUL: {@code sun_path} is 108 bytes on
   * Linux and Windows, 104 on macOS and the BSDs.
   */
  static int maxPathBytes() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    boolean bsd = os.contains("mac") || os.contains("darwin") || os.contains("bsd");
    return bsd ? 103 : 107;
  }

  /** Checks a socket path: absolute, printable ASCII, within the platform's length limit. */
  static void checkPath(Path path) {
    if (!path.isAbsolute()) {
      throw new IllegalArgumentException("socket path must be absolute: " + path);
    }
    String s = path.toString();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        throw new IllegalArgumentException(
            "socket path must be printable ASCII; character at index " + i + " is not: " + s);
      }
    }
    int bytes = s.getBytes(StandardCharsets.US_ASCII).length;
    int max = maxPathBytes();
    if (bytes > max) {
      throw new IllegalArgumentException(
          "socket path is "
              + bytes
              + " bytes, longer than the "
              + max
              + " bytes a Unix socket address holds on "
              + System.getProperty("os.name")
              + " (sun_path): "
              + s
              + " — use a shorter directory or a local://name connector");
    }
  }

  /**
   * The directory for {@code local://} names: {@code $XDG_RUNTIME_DIR/communica} when that is set,
   * else {@code <tmp>/communica-<user>}. Created owner-only (0700); an existing one must belong to
   * this user and be owner-only, or another user could read or replace the sockets in it.
   */
  static Path runtimeDirectory() {
    String xdg = System.getenv("XDG_RUNTIME_DIR");
    Path base;
    String leaf;
    if (xdg != null && !xdg.isEmpty() && Files.isDirectory(Path.of(xdg))) {
      base = Path.of(xdg);
      leaf = "communica";
    } else {
      base = Path.of(System.getProperty("java.io.tmpdir"));
      leaf = "communica-" + System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
    }
    return base.toAbsolutePath().resolve(leaf);
  }

  /** Creates {@code dir} owner-only, or checks that an existing one is owner-only and ours. */
  static void ensurePrivateDirectory(Path dir) throws IOException {
    try {
      if (POSIX) {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_RWX));
        // the umask may have taken bits away, never added: set exactly
        Files.setPosixFilePermissions(dir, OWNER_RWX);
      } else {
        Files.createDirectory(dir);
      }
      return;
    } catch (FileAlreadyExistsException e) {
      // checked below
    }
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(dir + " exists and is not a directory");
    }
    if (POSIX) {
      PosixFileAttributeView view =
          Files.getFileAttributeView(dir, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
      var attrs = view.readAttributes();
      String me = System.getProperty("user.name");
      if (me != null && !attrs.owner().getName().equals(me)) {
        throw new IOException(
            dir + " belongs to " + attrs.owner().getName() + ", not to " + me
                + ": refusing to put sockets there");
      }
      if (!attrs.permissions().equals(OWNER_RWX)) {
        throw new IOException(
            dir + " has permissions " + PosixFilePermissions.toString(attrs.permissions())
                + "; it must be rwx------ (owner only)");
      }
    }
  }

  /**
   * Makes room for a server at {@code path}: nothing there is fine; a socket nobody listens on (a
   * server that died) is removed; a live server fails with "address in use".
   */
  static void reclaimStale(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    BasicFileAttributes attrs =
        Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (!attrs.isOther()) {
      throw new IOException(
          "address in use: " + path + " exists and is not a socket; not touching it");
    }
    try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      probe.connect(UnixDomainSocketAddress.of(path));
    } catch (ConnectException refused) {
      log.info("removing stale socket file {} (no server listens on it)", path);
      Files.deleteIfExists(path);
      return;
    }
    throw new IOException("address in use: a server is listening on " + path);
  }

  /** Sets owner-only permissions (0600) on a socket file, where the file system has them. */
  static void restrict(Path path) throws IOException {
    if (POSIX) {
      Files.setPosixFilePermissions(path, OWNER_RW);
    }
  }

  /** The file's identity, to remove only the socket this server made. */
  static @Nullable Object fileKey(Path path) {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
          .fileKey();
    } catch (IOException e) {
      return null;
    }
  }

  /** Removes {@code path} if it is still the file with {@code key}. */
  static void remove(Path path, @Nullable Object key) {
    try {
      Object now = fileKey(path);
      if (now != null && (key == null || key.equals(now))) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      log.debug("cannot remove {}: {}", path, e.toString());
    }
  }

  /**
   * This process's user id as the file system records it (the owner of a file it creates), or -1
   * where the platform has no numeric owners.
   */
  static long ownUid() {
    return OwnUid.VALUE;
  }

  private static final class OwnUid {
    static final long VALUE = find();

    private static long find() {
      if (!java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("unix")) {
        return -1;
      }
      Path probe = null;
      try {
        probe = Files.createTempFile("communica-uid", ".probe");
        return ((Number) Files.getAttribute(probe, "unix:uid")).longValue();
      } catch (IOException | RuntimeException e) {
        log.warn("cannot find this process's uid: {}", e.toString());
        return -1;
      } finally {
        if (probe != null) {
          try {
            Files.deleteIfExists(probe);
          } catch (IOException e) {
            // a temp file
          }
        }
      }
    }
  }
}
