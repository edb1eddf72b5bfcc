package io.communica.test;

import static java.util.Objects.requireNonNull;

import io.communica.core.Connector;
import io.communica.core.transport.AdmissionCheck;
import io.communica.core.transport.ConnectionHandler;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.FrameListener;
import io.communica.core.transport.PeerCredentials;
import io.communica.core.transport.TransportOptions;
import io.communica.core.TransportServer;
import io.communica.core.transport.WriteListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * A transport under test with a {@link LeakTracker} injected into each of its connections: the
 * tracker is every connection's {@link FrameConnection#alloc() allocator}, so each frame the
 * session above builds comes from it, and each frame the transport delivers is handed to the
 * session as a copy made by it (released once the session's callback returned, as the transport's
 * own buffer would be). After a test, {@link #assertAllReleased} fails if the session kept any.
 *
 * <p>Dumps to the wrapped connector's string, so that servers started on it hand out connectors
 * that are tracked too, and other processes load the plain transport.
 */
public final class TrackedConnector extends Connector {

  private final Connector transport;
  private final Tracking tracking;

  private TrackedConnector(Connector transport, Tracking tracking) {
    this.transport = transport;
    this.tracking = tracking;
  }

  /** Tracks what entities built on {@code transport}, and on connectors it hands out, allocate. */
  public static TrackedConnector of(Connector transport, LeakTracker tracker) {
    requireNonNull(transport, "transport");
    return new TrackedConnector(transport, new Tracking(requireNonNull(tracker, "tracker")));
  }

  /** The same tracking for another connector (one a server bound, or one loaded from a string). */
  public TrackedConnector track(Connector other) {
    if (other instanceof TrackedConnector t) {
      return t.tracking == tracking ? t : new TrackedConnector(t.transport, tracking);
    }
    return new TrackedConnector(other, tracking);
  }

  /** The connector being tracked. */
  public Connector transport() {
    return transport;
  }

  /**
   * Waits up to {@code closing} for every connection opened through this tracking to have told its
   * listener it closed, then asserts that each tracked buffer was released within {@code patience}
   * (see {@link LeakTracker#assertAllReleased}), the time left for work still queued on the loops
   * or running on handler threads. Call it after closing every entity of the test.
   */
  public void assertAllReleased(Duration closing, Duration patience) throws InterruptedException {
    tracking.settle(closing);
    tracking.tracker.assertAllReleased(patience);
  }

  @Override
  public String scheme() {
    return transport.scheme();
  }

  @Override
  public String dump() {
    return transport.dump();
  }

  @Override
  public Mono<TransportServer> bind(TransportOptions options, ConnectionHandler handler) {
    return transport
        .bind(
            options,
            conn -> {
              Connection wrapped = tracking.wrap(conn);
              return wrapped.listen(handler.onConnection(wrapped));
            })
        .map(
            server ->
                new TransportServer() {
                  @Override
                  public Connector connector() {
                    return track(server.connector());
                  }

                  @Override
                  public void close() {
                    server.close();
                  }

                  @Override
                  public Mono<Void> onClose() {
                    return server.onClose();
                  }
                });
  }

  @Override
  public Mono<FrameConnection> connect(TransportOptions options, ConnectionHandler handler) {
    AtomicReference<@Nullable Connection> made = new AtomicReference<>();
    return transport
        .connect(
            options,
            conn -> {
              Connection wrapped = tracking.wrap(conn);
              made.set(wrapped);
              return wrapped.listen(handler.onConnection(wrapped));
            })
        .map(
            conn -> {
              Connection wrapped = made.get();
              if (wrapped == null || wrapped.inner != conn) {
                throw new IllegalStateException(
                    transport.scheme() + " completed connect without calling the handler first");
              }
              return wrapped;
            });
  }

  /** The tracker and the connections made under it, shared by the connectors it tracks. */
  private static final class Tracking {
    final LeakTracker tracker;
    private final List<Connection> connections = new ArrayList<>();

    Tracking(LeakTracker tracker) {
      this.tracker = tracker;
    }

    Connection wrap(FrameConnection conn) {
      Connection c = new Connection(conn, tracker);
      synchronized (connections) {
        connections.add(c);
      }
      return c;
    }

    void settle(Duration patience) throws InterruptedException {
      List<Connection> all;
      synchronized (connections) {
        all = new ArrayList<>(connections);
        connections.clear();
      }
      long deadline = System.nanoTime() + patience.toNanos();
      for (Connection c : all) {
        long left = deadline - System.nanoTime();
        if (!c.closed.await(Math.max(0, left), TimeUnit.NANOSECONDS)) {
          throw new AssertionError(
              "connection " + c.remoteAddress() + " is still open after the test closed everything");
        }
      }
    }
  }

  /** One connection of the transport, with the tracker as its allocator. */
  private static final class Connection implements FrameConnection {
    final FrameConnection inner;
    private final LeakTracker tracker;
    final CountDownLatch closed = new CountDownLatch(1);

    Connection(FrameConnection inner, LeakTracker tracker) {
      this.inner = inner;
      this.tracker = tracker;
    }

    FrameListener listen(FrameListener listener) {
      return new FrameListener() {
        @Override
        public void onFrame(ByteBuf frame) {
          ByteBuf copy = tracker.buffer(frame.readableBytes());
          copy.writeBytes(frame, frame.readerIndex(), frame.readableBytes());
          try {
            listener.onFrame(copy);
          } finally {
            copy.release();
          }
        }

        @Override
        public void onReadComplete() {
          listener.onReadComplete();
        }

        @Override
        public void onWritable() {
          listener.onWritable();
        }

        @Override
        public void onProtocolError(String reason) {
          listener.onProtocolError(reason);
        }

        @Override
        public void onClosed(@Nullable Throwable cause) {
          try {
            listener.onClosed(cause);
          } finally {
            closed.countDown();
          }
        }
      };
    }

    @Override
    public ByteBufAllocator alloc() {
      return tracker;
    }

    @Override
    public boolean inLoop() {
      return inner.inLoop();
    }

    @Override
    public void execute(Runnable task) {
      inner.execute(task);
    }

    @Override
    public Future<?> schedule(Runnable task, long delay, TimeUnit unit) {
      return inner.schedule(task, delay, unit);
    }

    @Override
    public @Nullable Object eventLoop() {
      return inner.eventLoop();
    }

    @Override
    public void write(ByteBuf frame) {
      inner.write(frame);
    }

    @Override
    public void write(ByteBuf frame, WriteListener listener) {
      inner.write(frame, listener);
    }

    @Override
    public void messageHandled(int id, @Nullable Throwable failure) {
      inner.messageHandled(id, failure);
    }

    @Override
    public void flush() {
      inner.flush();
    }

    @Override
    public boolean isWritable() {
      return inner.isWritable();
    }

    @Override
    public long pendingWriteBytes() {
      return inner.pendingWriteBytes();
    }

    @Override
    public long writeAhead() {
      return inner.writeAhead();
    }

    @Override
    public void close() {
      inner.close();
    }

    @Override
    public String remoteAddress() {
      return inner.remoteAddress();
    }

    @Override
    public @Nullable PeerCredentials peerCredentials() {
      return inner.peerCredentials();
    }

    @Override
    public AdmissionCheck admission() {
      return inner.admission();
    }

    @Override
    public String toString() {
      return "Tracked" + inner;
    }
  }
}
