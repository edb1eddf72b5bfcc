package io.communica.bench.stacks;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The floor: what plain {@code java.nio} does with a 4-byte length prefix and no framework.
 *
 * <p>Frame: u32 length of the rest, u8 kind ({@link #REQUEST} echoed back whole, {@link #FIRE}
 * counted, {@link #STATS} answered with a {@link Snapshot}, {@link #MEMORY} with a {@link Memory}),
 * payload. The server keeps a connection that has not sent a byte yet in one selector (what an idle
 * connection costs plain {@code java.nio}: its channel and selection key), and gives it a thread of
 * its own once it is readable: that thread reads as much as the socket has, handles every complete frame in it and writes
 * all replies with one write: writes are coalesced. The client makes the latency round trip with
 * blocking calls on the caller's thread; keeps requests in flight from one thread with a selector,
 * sending a new request for each reply, coalesced per read; and sends fire-and-forget messages in
 * batches of one buffer per write.
 */
final class FloorStack implements Stack {

  static final byte REQUEST = 0;
  static final byte FIRE = 1;
  static final byte STATS = 2;
  static final byte MEMORY = 3;

  /** Socket buffers of both sides; a frame must fit. */
  static final int BUFFER = 256 * 1024;

  /** The largest frame either side accepts; buffers grow to a frame's size up to this. */
  static final int MAX_FRAME = 64 * 1024 * 1024;

  @Override
  public String name() {
    return "floor";
  }

  @Override
  public Set<String> transports() {
    return Set.of("tcp", "unix");
  }

  @Override
  public BenchServer serve(String bind, LongAdder received) throws IOException {
    return new Server(bind, received);
  }

  @Override
  public boolean memoryModes() {
    return true;
  }

  @Override
  public BenchClient connect(String address) {
    return new Client(address);
  }

  // ------------------------------------------------------------------ addresses

  static SocketAddress parse(String address) {
    URI uri = URI.create(address);
    return switch (uri.getScheme()) {
      case "tcp" -> new InetSocketAddress(uri.getHost(), uri.getPort());
      case "unix" -> UnixDomainSocketAddress.of(uri.getPath());
      default -> throw new IllegalArgumentException("the floor runs on tcp and unix: " + address);
    };
  }

  static SocketChannel open(String address) throws IOException {
    SocketAddress to = parse(address);
    SocketChannel ch =
        SocketChannel.open(
            to instanceof UnixDomainSocketAddress
                ? StandardProtocolFamily.UNIX
                : StandardProtocolFamily.INET);
    if (!(to instanceof UnixDomainSocketAddress)) {
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
    }
    ch.connect(to);
    return ch;
  }

  static byte[] frame(byte kind, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(5 + payload.length);
    b.putInt(1 + payload.length).put(kind).put(payload);
    return b.array();
  }

  static void writeFully(SocketChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  /**
   * Reads one frame (blocking) into {@code buf}, which is cleared first, or into a larger buffer
   * when the frame does not fit; returns the buffer holding the frame.
   */
  static ByteBuffer readFrame(SocketChannel ch, ByteBuffer buf) throws IOException {
    buf.clear();
    while (buf.position() < 4 || buf.position() < 4 + buf.getInt(0)) {
      if (buf.position() >= 4) {
        buf = room(buf, 4 + buf.getInt(0));
      }
      if (ch.read(buf) < 0) {
        throw new EOFException("connection closed");
      }
    }
    return buf;
  }

  /**
   * {@code buf} (being filled) if it can hold {@code need} bytes, else a larger buffer with its
   * content; at most {@link #MAX_FRAME} (the floor trusts its peer, but not without a bound).
   */
  static ByteBuffer room(ByteBuffer buf, int need) throws IOException {
    if (need <= buf.capacity()) {
      return buf;
    }
    if (need < 5 || need > MAX_FRAME) {
      throw new IOException("bad frame length " + (need - 4));
    }
    ByteBuffer bigger = ByteBuffer.allocateDirect(need);
    buf.flip();
    return bigger.put(buf);
  }

  /** Counts whole frames at the start of {@code in} (flipped) and skips them. */
  static int skipFrames(ByteBuffer in) throws IOException {
    int n = 0;
    while (in.remaining() >= 4) {
      int len = in.getInt(in.position());
      if (len < 1 || len > MAX_FRAME - 4) {
        throw new IOException("bad frame length " + len);
      }
      if (in.remaining() < 4 + len) {
        break;
      }
      in.position(in.position() + 4 + len);
      n++;
    }
    return n;
  }

  // ------------------------------------------------------------------ server

  private static final class Server implements BenchServer {
    private final ServerSocketChannel ss;
    private final String address;
    private final LongAdder received;
    private final Selector idle;
    private final Queue<SocketChannel> accepted = new ConcurrentLinkedQueue<>();
    private final AtomicLong connections = new AtomicLong();

    Server(String bind, LongAdder received) throws IOException {
      this.received = received;
      SocketAddress at = parse(bind);
      if (at instanceof UnixDomainSocketAddress unix) {
        Files.deleteIfExists(unix.getPath());
        ss = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        ss.bind(unix);
        address = "unix://" + unix.getPath();
      } else {
        ss = ServerSocketChannel.open();
        ss.bind(at);
        InetSocketAddress bound = (InetSocketAddress) ss.getLocalAddress();
        address = "tcp://" + bound.getAddress().getHostAddress() + ":" + bound.getPort();
      }
      idle = Selector.open();
      Thread acceptor = new Thread(this::accept, "floor-accept");
      acceptor.setDaemon(true);
      acceptor.start();
      Thread idler = new Thread(this::idle, "floor-idle");
      idler.setDaemon(true);
      idler.start();
    }

    @Override
    public String address() {
      return address;
    }

    private void accept() {
      try {
        while (true) {
          SocketChannel ch = ss.accept();
          if (ch.getRemoteAddress() instanceof InetSocketAddress) {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
          }
          connections.incrementAndGet();
          accepted.add(ch);
          idle.wakeup();
        }
      } catch (IOException e) {
        // closed
      }
    }

    /**
     * Holds connections that sent nothing yet; hands each one to a thread of its own (blocking
     * again) once it has bytes, or its end, to read.
     */
    private void idle() {
      List<SocketChannel> ready = new ArrayList<>();
      try {
        while (idle.isOpen()) {
          idle.select();
          SocketChannel ch;
          while ((ch = accepted.poll()) != null) {
            ch.configureBlocking(false);
            ch.register(idle, SelectionKey.OP_READ);
          }
          for (SelectionKey key : idle.selectedKeys()) {
            key.cancel();
            ready.add((SocketChannel) key.channel());
          }
          idle.selectedKeys().clear();
          if (!ready.isEmpty()) {
            idle.selectNow(); // deregisters the cancelled keys
            for (SocketChannel c : ready) {
              c.configureBlocking(true);
              Thread t = new Thread(() -> serve(c), "floor-conn");
              t.setDaemon(true);
              t.start();
            }
            ready.clear();
          }
        }
      } catch (IOException | java.nio.channels.ClosedSelectorException e) {
        // closed
      }
    }

    private void serve(SocketChannel ch) {
      ByteBuffer in = ByteBuffer.allocateDirect(BUFFER);
      ByteBuffer out = ByteBuffer.allocateDirect(BUFFER);
      try (ch) {
        while (ch.read(in) >= 0) {
          in.flip();
          long count = 0;
          while (in.remaining() >= 4) {
            int pos = in.position();
            int len = in.getInt(pos);
            if (len < 1 || len > MAX_FRAME - 4) {
              throw new IOException("bad frame length " + len);
            }
            if (in.remaining() < 4 + len) {
              break;
            }
            byte kind = in.get(pos + 4);
            if (kind == STATS) {
              flushIfFull(ch, out, 5 + 64);
              byte[] s = Snapshot.take(received.sum() + count).encode();
              out.putInt(1 + s.length).put(STATS).put(s);
            } else if (kind == MEMORY) {
              flushIfFull(ch, out, 5 + 64);
              byte how = len > 1 ? in.get(pos + 5) : Memory.NO_GC;
              byte[] s = Memory.take(connections.get(), how).encode();
              out.putInt(1 + s.length).put(MEMORY).put(s);
            } else {
              count++;
              if (kind == REQUEST) {
                flushIfFull(ch, out, 4 + len);
                if (out.capacity() < 4 + len) {
                  out = ByteBuffer.allocateDirect(4 + len); // empty: flushed above
                }
                out.put(out.position(), in, pos, 4 + len);
                out.position(out.position() + 4 + len);
              } else if (kind != FIRE) {
                throw new IOException("bad frame kind " + kind);
              }
            }
            in.position(pos + 4 + len);
          }
          received.add(count);
          in.compact();
          if (in.position() >= 4) {
            in = room(in, 4 + in.getInt(0)); // a frame larger than the buffer
          }
          if (out.position() > 0) {
            out.flip();
            writeFully(ch, out);
            out.clear();
          }
        }
      } catch (IOException e) {
        // the client went away
      } finally {
        connections.decrementAndGet();
      }
    }

    private static void flushIfFull(SocketChannel ch, ByteBuffer out, int need) throws IOException {
      if (out.remaining() < need) {
        out.flip();
        writeFully(ch, out);
        out.clear();
      }
    }

    @Override
    public void close() {
      try {
        ss.close();
        idle.close();
      } catch (IOException e) {
        // ignored on shutdown
      }
    }
  }

  // ------------------------------------------------------------------ client

  private static final class Client implements BenchClient {
    private final SocketChannel control;
    private final ByteBuffer controlBuf = ByteBuffer.allocate(256);
    private final ByteBuffer statsFrame = ByteBuffer.wrap(frame(STATS, new byte[0]));
    private final SocketChannel data;
    private ByteBuffer request = ByteBuffer.allocate(0);
    private ByteBuffer reply = ByteBuffer.allocateDirect(BUFFER);

    private final String address;

    Client(String address) {
      this.address = address;
      try {
        control = open(address);
        data = open(address);
      } catch (IOException e) {
        throw new IllegalStateException("cannot connect to " + address, e);
      }
    }

    @Override
    public void roundTrip(byte[] payload) throws IOException {
      if (request.capacity() != 5 + payload.length) {
        request = ByteBuffer.allocateDirect(5 + payload.length);
        request.put(frame(REQUEST, payload));
      }
      request.clear();
      writeFully(data, request);
      reply = readFrame(data, reply);
    }

    @Override
    public void startRequests(byte[] payload, int inFlight, Meter meter) throws IOException {
      byte[] frame = frame(REQUEST, payload);
      data.configureBlocking(false);
      Selector selector = Selector.open();
      SelectionKey key = data.register(selector, SelectionKey.OP_READ);
      Thread t =
          new Thread(
              () -> {
                try {
                  pipeline(frame, inFlight, meter, selector, key);
                } catch (IOException e) {
                  if (!meter.stopped()) {
                    meter.fail(e);
                  }
                }
              },
              "floor-client");
      t.setDaemon(true);
      t.start();
    }

    /** Keeps {@code inFlight} requests outstanding from one thread: a new one per reply. */
    private void pipeline(byte[] frame, int inFlight, Meter meter, Selector selector, SelectionKey key)
        throws IOException {
      ByteBuffer out = ByteBuffer.allocateDirect(Math.max(BUFFER, frame.length));
      ByteBuffer in = reply;
      in.clear();
      int credit = inFlight;
      while (!meter.stopped()) {
        while (credit > 0 && out.remaining() >= frame.length) {
          out.put(frame);
          credit--;
        }
        out.flip();
        int wrote = data.write(out);
        boolean pending = out.hasRemaining();
        out.compact();
        int read = data.read(in);
        if (read < 0) {
          throw new EOFException("server closed the connection");
        }
        if (read > 0) {
          in.flip();
          int replies = skipFrames(in);
          in.compact();
          if (in.position() >= 4) {
            in = room(in, 4 + in.getInt(0));
          }
          if (replies > 0) {
            meter.add(replies);
            credit += replies;
          }
        }
        if (wrote == 0 && read == 0) {
          key.interestOps(SelectionKey.OP_READ | (pending ? SelectionKey.OP_WRITE : 0));
          selector.select(100);
          selector.selectedKeys().clear();
        }
      }
    }

    @Override
    public void runFire(byte[] payload, Meter meter, Backlog backlog) throws Exception {
      byte[] frame = frame(FIRE, payload);
      ByteBuffer out = ByteBuffer.allocateDirect(Math.max(64 * 1024, frame.length));
      int perWrite = out.capacity() / frame.length;
      int n;
      while ((n = backlog.permits(perWrite)) > 0) {
        out.clear();
        for (int i = 0; i < n; i++) {
          out.put(frame);
        }
        out.flip();
        writeFully(data, out);
        backlog.sent(n);
        meter.add(n);
      }
    }

    @Override
    public AutoCloseable openIdle(int n, Runnable opened) throws IOException {
      List<SocketChannel> channels = new ArrayList<>();
      AutoCloseable all =
          () -> {
            for (SocketChannel ch : channels) {
              ch.close();
            }
          };
      try {
        for (int i = 0; i < n; i++) {
          channels.add(open(address));
          opened.run();
        }
      } catch (IOException e) {
        try {
          all.close();
        } catch (Exception suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
      return all;
    }

    /** The payload of the server's answer on the control connection. */
    private byte[] controlLine() throws IOException {
      ByteBuffer b = readFrame(control, controlBuf);
      byte[] line = new byte[b.getInt(0) - 1];
      b.get(5, line);
      return line;
    }

    @Override
    public synchronized Memory serverMemory(byte how) throws IOException {
      writeFully(control, ByteBuffer.wrap(frame(MEMORY, new byte[] {how})));
      byte[] line = controlLine();
      return Memory.decode(line);
    }

    @Override
    public synchronized Snapshot serverSnapshot() throws IOException {
      statsFrame.clear();
      writeFully(control, statsFrame);
      byte[] line = controlLine();
      return Snapshot.decode(line);
    }

    @Override
    public void close() {
      try {
        data.close();
        control.close();
      } catch (IOException e) {
        // ignored on shutdown
      }
    }
  }
}
