package io.communica.test.fault;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A TCP proxy on the loopback interface that injects faults between a client and a server, for
 * tests of what a transport and its entities do when the network misbehaves. Point the client at
 * {@link #port()}; the proxy forwards to the target, and faults apply to the connections open now
 * and to those accepted later:
 *
 * <ul>
 *   <li>{@link #delay(Duration)}: each chunk waits this long before it is forwarded (latency).
 *   <li>{@link #cutAfter(Direction, long)}: every connection is reset (RST, no FIN, no CLOSE frame)
 *       once this many bytes passed in that direction on it; the bytes up to the offset arrive.
 *   <li>{@link #stall(Direction)}: nothing more is read or forwarded in that direction after the
 *       chunk in progress (the sender sees TCP backpressure), the other direction flows; {@link
 *       #heal()} resumes it.
 *   <li>{@link #halfOpen()}: the server's side of every connection is reset, the client's side
 *       stays open and silent: what the client sends is swallowed and nothing comes back, as when
 *       a peer vanished without a FIN. Only a keep-alive timeout can tell.
 *   <li>{@link #resetAll()}: every connection is reset now.
 * </ul>
 *
 * <p>Blocking sockets, two threads per connection: for tests, not for load beyond a few hundred
 * connections. Every thread is a daemon and ends with {@link #close()}.
 *
 * <pre>{@code
 * try (FaultProxy proxy = FaultProxy.to("127.0.0.1", serverPort)) {
 *   SimpleClient client = SimpleClient.builder(TcpConnector.of("127.0.0.1", proxy.port())).start();
 *   proxy.cutAfter(FaultProxy.Direction.DOWNSTREAM, 100_000);
 *   ...
 * }
 * }</pre>
 */
public final class FaultProxy implements AutoCloseable {

  /** Which way bytes flow. */
  public enum Direction {
    /** From the client to the server. */
    UPSTREAM,
    /** From the server to the client. */
    DOWNSTREAM
  }

  private static final int CHUNK = 16 * 1024;

  private final String targetHost;
  private final int targetPort;
  private final ServerSocket listener;
  private final List<Link> links = new CopyOnWriteArrayList<>();
  private final Thread acceptor;
  private final AtomicLong accepted = new AtomicLong();

  // faults, read by the pumps on every chunk
  private volatile long delayNanos;
  private volatile long cutUpstream = -1;
  private volatile long cutDownstream = -1;
  private volatile boolean stallUpstream;
  private volatile boolean stallDownstream;
  private volatile boolean halfOpen;
  private volatile boolean closed;

  private FaultProxy(String targetHost, int targetPort) throws IOException {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.listener = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
    this.acceptor = new Thread(this::acceptLoop, "fault-proxy-accept-" + listener.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** A proxy on a free loopback port that forwards to {@code host:port}. */
  public static FaultProxy to(String host, int port) throws IOException {
    return new FaultProxy(requireNonNull(host, "host"), port);
  }

  /** The port clients connect to. */
  public int port() {
    return listener.getLocalPort();
  }

  /** Connections accepted so far. */
  public long accepted() {
    return accepted.get();
  }

  /** Forwards each chunk after {@code delay}; zero for none. */
  public FaultProxy delay(Duration delay) {
    this.delayNanos = delay.toNanos();
    return this;
  }

  /** Resets each connection once {@code bytes} have passed on it in {@code direction}. */
  public FaultProxy cutAfter(Direction direction, long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must not be negative: " + bytes);
    }
    if (direction == Direction.UPSTREAM) {
      cutUpstream = bytes;
    } else {
      cutDownstream = bytes;
    }
    return this;
  }

  /** Stops forwarding in {@code direction} until {@link #heal()}. */
  public FaultProxy stall(Direction direction) {
    if (direction == Direction.UPSTREAM) {
      stallUpstream = true;
    } else {
      stallDownstream = true;
    }
    return this;
  }

  /** Resets the server's side of every connection; the clients' sides stay open and silent. */
  public FaultProxy halfOpen() {
    halfOpen = true;
    for (Link l : links) {
      l.abort(l.server);
    }
    return this;
  }

  /** No more faults for new bytes and connections: no delay, no cut, no stall, no half-open. */
  public FaultProxy heal() {
    delayNanos = 0;
    cutUpstream = -1;
    cutDownstream = -1;
    stallUpstream = false;
    stallDownstream = false;
    halfOpen = false;
    synchronized (this) {
      notifyAll();
    }
    return this;
  }

  /** Resets every connection now. */
  public void resetAll() {
    for (Link l : links) {
      l.abort(l.client);
      l.abort(l.server);
    }
  }

  /** Stops listening and resets every connection. */
  @Override
  public void close() {
    closed = true;
    heal();
    try {
      listener.close();
    } catch (IOException e) {
      // closing anyway
    }
    resetAll();
    try {
      acceptor.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return;
      }
      accepted.incrementAndGet();
      if (halfOpen) {
        // the server is unreachable, the client is never told
        Link l = new Link(client, null);
        links.add(l);
        l.swallow();
        continue;
      }
      Socket server;
      try {
        server = new Socket();
        server.setTcpNoDelay(true);
        server.connect(new InetSocketAddress(targetHost, targetPort), 5_000);
      } catch (IOException e) {
        abortSocket(client);
        continue;
      }
      Link l = new Link(client, server);
      links.add(l);
      l.start();
    }
  }

  private static void abortSocket(@Nullable Socket s) {
    if (s == null) {
      return;
    }
    try {
      s.setSoLinger(true, 0); // close with RST
    } catch (SocketException e) {
      // already closed
    }
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  /** One proxied connection: the client's socket, the server's, and a pump each way. */
  private final class Link {
    final Socket client;
    final @Nullable Socket server;

    Link(Socket client, @Nullable Socket server) {
      this.client = client;
      this.server = server;
      try {
        client.setTcpNoDelay(true);
      } catch (SocketException e) {
        // best effort
      }
    }

    void start() {
      Socket s = requireNonNull(server);
      thread(() -> pump(client, s, Direction.UPSTREAM), "up");
      thread(() -> pump(s, client, Direction.DOWNSTREAM), "down");
    }

    /** Half-open from the start: read and drop what the client sends, send nothing. */
    void swallow() {
      thread(() -> drain(client), "swallow");
    }

    private void thread(Runnable r, String what) {
      Thread t = new Thread(r, "fault-proxy-" + what + "-" + client.getPort());
      t.setDaemon(true);
      t.start();
    }

    void abort(@Nullable Socket s) {
      abortSocket(s);
    }

    private void pump(Socket from, Socket to, Direction dir) {
      byte[] buf = new byte[CHUNK];
      long passed = 0;
      try {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        while (true) {
          awaitNotStalled(dir);
          if (halfOpen) {
            if (dir == Direction.UPSTREAM) {
              abort(server);
              drain(client);
            }
            return;
          }
          int n = in.read(buf);
          if (n < 0) {
            // orderly close: pass the FIN on
            to.shutdownOutput();
            return;
          }
          long delay = delayNanos;
          if (delay > 0) {
            // the fault itself: latency on the wire
            TimeUnit.NANOSECONDS.sleep(delay);
          }
          if (halfOpen) {
            if (dir == Direction.UPSTREAM) {
              abort(server);
              drain(client);
            }
            return;
          }
          long cut = dir == Direction.UPSTREAM ? cutUpstream : cutDownstream;
          if (cut >= 0 && passed + n >= cut) {
            out.write(buf, 0, (int) (cut - passed));
            out.flush();
            abort(client);
            abort(server);
            return;
          }
          out.write(buf, 0, n);
          out.flush();
          passed += n;
        }
      } catch (IOException e) {
        abort(server);
        if (!halfOpen) {
          abort(client);
        } else if (dir == Direction.UPSTREAM) {
          drain(client);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        resetAll();
      } finally {
        if (!halfOpen) {
          links.remove(this);
        }
      }
    }

    private void awaitNotStalled(Direction dir) throws InterruptedException {
      synchronized (FaultProxy.this) {
        while (!closed && (dir == Direction.UPSTREAM ? stallUpstream : stallDownstream)) {
          FaultProxy.this.wait();
        }
      }
    }

    /** Reads and drops until the client gives up or the proxy closes. */
    private void drain(Socket s) {
      byte[] buf = new byte[CHUNK];
      try {
        InputStream in = s.getInputStream();
        while (!closed && in.read(buf) >= 0) {
          // swallowed
        }
      } catch (IOException e) {
        // the client gave up
      } finally {
        abortSocket(s);
        links.remove(this);
      }
    }
  }
}
