package io.communica.bench.stacks;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The shared-memory floor: an echo over two Agrona ring buffers in memory-mapped files, the
 * library {@code shm://} is built on, without communica's protocol, handshake, correlation or
 * doorbell. Both sides spin on their rings without ever sleeping, so it is the lowest a
 * shared-memory transport can go on this machine, at the cost of a core on each side.
 *
 * <p>A connection is a pair of rings of {@link #RING} bytes ({@code <id>.c2s}, {@code <id>.s2c})
 * made by the client in the server's directory, announced by an empty {@code <id>.ready} file that
 * the server's acceptor polls for. Messages: {@link #REQUEST} echoed back whole, {@link #FIRE}
 * counted, {@link #STATS} answered with a {@link Snapshot}, {@link #BYE} ends the connection.
 */
final class RingFloorStack implements Stack {

  static final int REQUEST = 1;
  static final int FIRE = 2;
  static final int STATS = 3;
  static final int BYE = 4;

  /** Each ring's capacity, as communica-shm's default: 1 MiB. */
  static final int RING = 1 << 20;

  @Override
  public String name() {
    return "ringfloor";
  }

  @Override
  public Set<String> transports() {
    return Set.of("shm", "shm-spin");
  }

  @Override
  public BenchServer serve(String bind, LongAdder received) throws IOException {
    return new Server(directory(bind), received);
  }

  @Override
  public BenchClient connect(String address) {
    return new Client(Path.of(URI.create(address).getPath()));
  }

  /** The directory for {@code shm://name}: under /dev/shm where it exists. */
  static Path directory(String bind) {
    String name = URI.create(bind).getHost();
    if (name == null) {
      name = URI.create(bind).getAuthority();
    }
    Path base = Path.of("/dev/shm");
    if (!Files.isDirectory(base)) {
      base = Path.of(System.getProperty("java.io.tmpdir"));
    }
    return base.resolve("ringfloor-" + name + "-" + ProcessHandle.current().pid());
  }

  static OneToOneRingBuffer map(Path file, boolean create) throws IOException {
    int length = RING + RingBufferDescriptor.TRAILER_LENGTH;
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      if (create) {
        raf.setLength(length);
      }
      MappedByteBuffer mapped = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, length);
      return new OneToOneRingBuffer(new UnsafeBuffer(mapped));
    }
  }

  /** Writes one message, spinning while the ring is full. */
  static void write(OneToOneRingBuffer ring, int type, UnsafeBuffer src, int index, int length) {
    while (!ring.write(type, src, index, length)) {
      Thread.onSpinWait();
    }
  }

  // ------------------------------------------------------------------ server

  private static final class Server implements BenchServer {
    private final Path dir;
    private final LongAdder received;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;

    Server(Path dir, LongAdder received) throws IOException {
      this.dir = dir;
      this.received = received;
      Files.createDirectories(dir);
      Thread acceptor = new Thread(this::accept, "ringfloor-accept");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    @Override
    public String address() {
      return "shm://" + dir.toAbsolutePath();
    }

    private void accept() {
      Set<String> seen = new java.util.HashSet<>();
      while (!closed) {
        try (Stream<Path> files = Files.list(dir)) {
          for (Path ready : files.filter(p -> p.toString().endsWith(".ready")).toList()) {
            String id = ready.getFileName().toString().replace(".ready", "");
            if (seen.add(id)) {
              OneToOneRingBuffer in = map(dir.resolve(id + ".c2s"), false);
              OneToOneRingBuffer out = map(dir.resolve(id + ".s2c"), false);
              Thread t = new Thread(() -> serve(in, out), "ringfloor-conn");
              t.setDaemon(true);
              synchronized (threads) {
                threads.add(t);
              }
              t.start();
            }
          }
        } catch (IOException e) {
          if (!closed) {
            throw new UncheckedIOException(e);
          }
        }
        LockSupport.parkNanos(2_000_000);
      }
    }

    private void serve(OneToOneRingBuffer in, OneToOneRingBuffer out) {
      UnsafeBuffer scratch = new UnsafeBuffer(new byte[256]);
      boolean[] bye = {false};
      long[] count = {0};
      MessageHandler handler =
          (type, buffer, index, length) -> {
            switch (type) {
              case REQUEST -> {
                count[0]++;
                write(out, REQUEST, (UnsafeBuffer) buffer, index, length);
              }
              case FIRE -> count[0]++;
              case STATS -> {
                byte[] s = Snapshot.take(received.sum() + count[0]).encode();
                scratch.putBytes(0, s);
                write(out, STATS, scratch, 0, s.length);
              }
              default -> bye[0] = true;
            }
          };
      while (!closed && !bye[0]) {
        if (in.read(handler, 256) == 0) {
          Thread.onSpinWait();
        } else if (count[0] > 0) {
          received.add(count[0]);
          count[0] = 0;
        }
      }
    }

    @Override
    public void close() {
      closed = true;
      try (Stream<Path> files = Files.list(dir)) {
        for (Path p : files.toList()) {
          Files.deleteIfExists(p);
        }
        Files.deleteIfExists(dir);
      } catch (IOException e) {
        // ignored on shutdown
      }
    }
  }

  // ------------------------------------------------------------------ client

  /** One pair of rings. */
  private static final class Pair {
    final OneToOneRingBuffer out;
    final OneToOneRingBuffer in;

    Pair(Path dir) {
      String id = UUID.randomUUID().toString();
      try {
        out = map(dir.resolve(id + ".c2s"), true);
        in = map(dir.resolve(id + ".s2c"), true);
        Files.createFile(dir.resolve(id + ".ready"));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot make rings in " + dir, e);
      }
    }
  }

  private static final class Client implements BenchClient {
    private final Pair control;
    private final Pair data;
    private final UnsafeBuffer empty = new UnsafeBuffer(new byte[1]);
    private UnsafeBuffer request = new UnsafeBuffer(new byte[0]);

    Client(Path dir) {
      control = new Pair(dir);
      data = new Pair(dir);
    }

    @Override
    public void roundTrip(byte[] payload) {
      if (request.capacity() != payload.length) {
        request = new UnsafeBuffer(payload.clone());
      }
      write(data.out, REQUEST, request, 0, payload.length);
      while (data.in.read((t, b, i, l) -> {}, 1) == 0) {
        Thread.onSpinWait();
      }
    }

    @Override
    public void startRequests(byte[] payload, int inFlight, Meter meter) {
      UnsafeBuffer frame = new UnsafeBuffer(payload.clone());
      Thread t =
          new Thread(
              () -> {
                int credit = inFlight;
                int[] replies = {0};
                MessageHandler counter = (type, b, i, l) -> replies[0]++;
                while (!meter.stopped()) {
                  while (credit > 0 && data.out.write(REQUEST, frame, 0, payload.length)) {
                    credit--;
                  }
                  replies[0] = 0;
                  data.in.read(counter, 256);
                  if (replies[0] > 0) {
                    meter.add(replies[0]);
                    credit += replies[0];
                  } else {
                    Thread.onSpinWait();
                  }
                }
              },
              "ringfloor-client");
      t.setDaemon(true);
      t.start();
    }

    @Override
    public void runFire(byte[] payload, Meter meter, Backlog backlog) throws Exception {
      UnsafeBuffer frame = new UnsafeBuffer(payload.clone());
      int n;
      while ((n = backlog.permits(256)) > 0) {
        for (int i = 0; i < n; i++) {
          write(data.out, FIRE, frame, 0, payload.length);
        }
        backlog.sent(n);
        meter.add(n);
      }
    }

    @Override
    public synchronized Snapshot serverSnapshot() {
      write(control.out, STATS, empty, 0, 0);
      byte[][] line = {null};
      while (line[0] == null) {
        if (control.in.read(
                (t, b, i, l) -> {
                  line[0] = new byte[l];
                  b.getBytes(i, line[0]);
                },
                1)
            == 0) {
          Thread.onSpinWait();
        }
      }
      return Snapshot.decode(line[0]);
    }

    @Override
    public void close() {
      write(data.out, BYE, empty, 0, 0);
      write(control.out, BYE, empty, 0, 0);
    }
  }
}
