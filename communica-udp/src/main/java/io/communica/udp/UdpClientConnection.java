package io.communica.udp;

import io.communica.core.frame.FrameType;
import io.communica.core.transport.ConnectionHandler;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.WriteListener;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.UnixChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * A client's side: a datagram channel connected to the server's address (so that only its
 * datagrams are read). The session's HELLO is answered here with a WELCOME carrying the datagram
 * limits; no datagram crosses the wire until the first call.
 */
final class UdpClientConnection extends DatagramConnection {

  private static final Logger log = LoggerFactory.getLogger(UdpClientConnection.class);

  private final String remote;

  /**
   * The socket, on epoll: datagrams are written to it from whichever thread is the connection's
   * loop, so that a request sent from the caller's thread leaves without a hand-over to the
   * event loop (see {@link #execute}). Null on NIO: everything goes through the event loop.
   */
  private final @Nullable FileDescriptor fd;
  /** Loop: a direct copy of a heap frame for {@link #fd}. */
  private final @Nullable ByteBuffer out;
  /**
   * The thread that is the loop now (epoll only): the event loop while it runs this connection's
   * reads and tasks, or a thread that runs a task handed over while nobody was (see {@link
   * #execute}).
   */
  private final AtomicReference<Thread> owner = new AtomicReference<>();
  /** Tasks handed to the event loop and not yet run. */
  private final AtomicInteger queuedTasks = new AtomicInteger();
  /** Loop: a datagram went through the channel (the socket was full) and wants a flush. */
  private boolean channelWrites;

  private UdpClientConnection(Channel channel, UdpConnector connector) {
    super(channel, connector.maxDatagramSize());
    this.remote = connector.dump();
    if (channel instanceof UnixChannel epoll) {
      this.fd = epoll.fd();
      this.out = ByteBuffer.allocateDirect(connector.maxDatagramSize());
    } else {
      this.fd = null;
      this.out = null;
    }
  }

  // ---------------------------------------------------------------- the loop (epoll)

  @Override
  public boolean inLoop() {
    return fd == null ? super.inLoop() : owner.get() == Thread.currentThread();
  }

  /**
   * Runs {@code task} as the loop: at once on the calling thread when no task waits on the event
   * loop and nobody is the loop (epoll), else on the event loop. A request sent from a caller's
   * thread is so written to the socket by that thread, one wake-up of the event loop fewer per
   * round trip (the TCP connector hands every request to its event loop).
   */
  @Override
  public void execute(Runnable task) {
    if (fd != null && queuedTasks.get() == 0 && owner.get() == null && tryEnter()) {
      try {
        task.run();
      } finally {
        owner.set(null);
      }
      return;
    }
    if (fd == null) {
      super.execute(task);
      return;
    }
    queuedTasks.incrementAndGet();
    super.execute(
        () -> {
          queuedTasks.decrementAndGet();
          owned(task);
        });
  }

  @Override
  public Future<?> schedule(Runnable task, long delay, TimeUnit unit) {
    return fd == null ? super.schedule(task, delay, unit) : super.schedule(() -> owned(task), delay, unit);
  }

  private boolean tryEnter() {
    return owner.compareAndSet(null, Thread.currentThread());
  }

  /** Runs {@code r} as the loop, waiting the moment a caller's thread takes to finish its task. */
  private void owned(Runnable r) {
    if (fd == null || owner.get() == Thread.currentThread()) {
      r.run();
      return;
    }
    while (!tryEnter()) {
      Thread.yield(); // the holder may have lost its processor: let it finish
    }
    try {
      r.run();
    } finally {
      owner.set(null);
    }
  }

  @Override
  void transmit(ByteBuf frame) {
    FileDescriptor f = fd;
    ByteBuffer b = out;
    if (f == null || b == null) {
      super.transmit(frame);
      return;
    }
    int len = frame.readableBytes();
    int n;
    try {
      if (frame.hasMemoryAddress()) {
        long at = frame.memoryAddress() + frame.readerIndex();
        n = f.writeAddress(at, 0, len);
      } else {
        b.clear().limit(len);
        frame.getBytes(frame.readerIndex(), b);
        n = f.write(b, 0, len);
      }
    } catch (IOException e) {
      // no server listens (ICMP port unreachable reported on this send), or another error of
      // one datagram: requests time out, as on a network that loses them
      log.debug("datagram error on {}: {}", remote, e.toString());
      frame.release();
      return;
    }
    if (n == len) {
      frame.release();
      return;
    }
    // the socket's send buffer is full: the channel keeps the datagram until it takes it
    channelWrites = true;
    super.transmit(frame);
  }

  @Override
  public void flush() {
    if (fd == null) {
      super.flush();
    } else if (channelWrites) {
      channelWrites = false;
      channel.flush();
    }
  }

  static Mono<FrameConnection> connect(UdpConnector c, ConnectionHandler handler) {
    return Mono.create(
        sink -> {
          Bootstrap b =
              new Bootstrap()
                  .group(Loops.group())
                  .channel(Loops.channelType())
                  .option(ChannelOption.AUTO_READ, false)
                  // one byte more than the limit: a longer datagram shows as too long, not cut
                  .option(
                      ChannelOption.RECVBUF_ALLOCATOR,
                      new FixedRecvByteBufAllocator(c.maxDatagramSize() + 1))
                  .handler(new ChannelInboundHandlerAdapter());
          ChannelFuture f = b.connect(new InetSocketAddress(c.host(), c.port()));
          f.addListener(
              done -> {
                if (!done.isSuccess()) {
                  sink.error(
                      new IOException(
                          "cannot open a datagram channel to " + c.dump() + ": " + done.cause().getMessage(),
                          done.cause()));
                  return;
                }
                Channel ch = f.channel();
                UdpClientConnection conn = new UdpClientConnection(ch, c);
                try {
                  conn.owned(() -> conn.listener = handler.onConnection(conn));
                } catch (RuntimeException e) {
                  ch.close();
                  sink.error(e);
                  return;
                }
                ch.pipeline().addLast(conn.new Inbound());
                ch.config().setAutoRead(true);
                sink.success(conn);
              });
        });
  }

  @Override
  @Nullable InetSocketAddress recipient() {
    return null; // connected
  }

  @Override
  void onSessionFrame(int type, ByteBuf frame) {
    frame.release();
    if (type == FrameType.HELLO) {
      handBack(Datagrams.welcome(alloc(), maxDatagram));
    }
  }

  @Override
  void onCall(int type, ByteBuf frame, @Nullable WriteListener written) {
    if (type == FrameType.REQUEST || type == FrameType.MESSAGE || type == FrameType.CANCEL) {
      send(frame, written);
      return;
    }
    // a reply: the server never calls over UDP, so there is nobody to answer
    frame.release();
    if (written != null) {
      written.onWritten(null);
    }
  }

  @Override
  public void close() {
    closing = true;
    // a datagram under way on a caller's thread is written before the socket closes (its number
    // could name another socket after); later ones see closing
    owned(() -> {});
    channel.close();
  }

  @Override
  public String remoteAddress() {
    return remote;
  }

  /** Datagrams from the server, on the loop. */
  private final class Inbound extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      owned(() -> read((DatagramPacket) msg));
    }

    private void read(DatagramPacket p) {
      try {
        ByteBuf frame = p.content();
        String why = Datagrams.reject(frame, false, maxDatagram);
        if (why != null) {
          Datagrams.DROPPED.increment();
          log.debug("dropped a datagram from {}: {}", remote, why);
          return;
        }
        Datagrams.RECEIVED.increment();
        deliver(frame);
      } finally {
        p.release();
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        owned(UdpClientConnection.this::writable);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // no server listens (ICMP port unreachable), or another error of one datagram: requests
      // time out, as on a network that loses them
      if (!(cause instanceof PortUnreachableException)) {
        log.debug("datagram error on {}: {}", remote, cause.toString());
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      owned(() -> closed(null));
    }
  }
}
