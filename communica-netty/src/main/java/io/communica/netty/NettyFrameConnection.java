package io.communica.netty;

import io.communica.core.TransportException;
import io.communica.core.frame.FrameBatch;
import io.communica.core.frame.FrameException;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.LengthCodec;
import io.communica.core.transport.AdmissionCheck;
import io.communica.core.transport.ConnectionHandler;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.FrameListener;
import io.communica.core.transport.PeerCredentials;
import io.communica.core.transport.TransportOptions;
import io.communica.core.transport.WriteListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.Connection;
import reactor.netty.NettyPipeline;

/**
 * A stream connection (TCP, Unix socket) as a {@link FrameConnection}: the channel handler that
 * cuts the byte stream into frames and the write side that hands frames to the channel.
 *
 * <p>The decoder checks each length prefix before waiting for the frame: a length below the fixed
 * header or above the maximum frame size is a protocol error, reported to the listener and closed,
 * and nothing is ever allocated from the claimed length. Bytes are buffered only as they arrive.
 * Frames are handed to the listener as slices of the read buffer, without prefix and without a
 * copy. Frames written are coalesced by a {@link FrameBatch} until the flush.
 */
public final class NettyFrameConnection extends ByteToMessageDecoder implements FrameConnection {

  private static final Logger log = LoggerFactory.getLogger(NettyFrameConnection.class);

  /** Name of the handler in the channel pipeline. */
  public static final String HANDLER_NAME = "communica.frames";

  private final Channel channel;
  private final int maxFrameSize;
  /**
   * The peer's address as the channel had it when this handler was made (also after it closes);
   * {@link #remoteAddress()} spells it on each call, which an idle connection's heap is spared.
   */
  private final @Nullable SocketAddress remote;
  private final @Nullable PeerCredentials credentials;
  private final AdmissionCheck admission;
  private final Batch batch;
  private final FrameListener listener;
  private boolean failed;
  private boolean inactive;
  private @Nullable Throwable cause;
  private @Nullable ChannelHandlerContext context;

  private NettyFrameConnection(
      Channel channel,
      int maxFrameSize,
      @Nullable PeerCredentials credentials,
      AdmissionCheck admission,
      ConnectionHandler handler) {
    this.channel = channel;
    this.maxFrameSize = maxFrameSize;
    this.remote = channel.remoteAddress();
    this.credentials = credentials;
    this.admission = admission;
    this.batch = new Batch(channel.alloc());
    this.listener = handler.onConnection(this);
  }

  /**
   * Installs the frame handler on a new Reactor Netty connection, on its event loop, before any
   * byte of it is read.
   */
  public static NettyFrameConnection install(
      Connection connection,
      TransportOptions options,
      ConnectionHandler handler,
      @Nullable PeerCredentials credentials) {
    return install(connection, options, handler, credentials, AdmissionCheck.ALLOW_ALL);
  }

  /** Like the other {@code install}, with the transport's admission check for each client. */
  public static NettyFrameConnection install(
      Connection connection,
      TransportOptions options,
      ConnectionHandler handler,
      @Nullable PeerCredentials credentials,
      AdmissionCheck admission) {
    return install(connection.channel(), options, handler, credentials, admission);
  }

  /**
   * Installs the frame handler on a channel without Reactor Netty's operations (an accepted
   * channel being initialised, {@link NettyTransport#bind}), on its event loop, before any byte of
   * it is read.
   */
  static NettyFrameConnection install(
      Channel ch,
      TransportOptions options,
      ConnectionHandler handler,
      @Nullable PeerCredentials credentials,
      AdmissionCheck admission) {
    NettyFrameConnection fc;
    try {
      fc = new NettyFrameConnection(ch, options.maxFrameSize(), credentials, admission, handler);
    } catch (RuntimeException | Error e) {
      // a connection nobody handles would sit open until the peer's timeouts
      ch.close();
      throw e;
    }
    addBeforeReactorEnd(ch.pipeline(), fc);
    // Reactor Netty reads on demand of its inbound Flux, which nobody subscribes here: the frames
    // are taken by this handler, so reading is left to the channel.
    ch.config().setAutoRead(true);
    return fc;
  }

  /**
   * Puts the frame handler before Reactor Netty's end handlers ({@link NettyPipeline#RIGHT}), where
   * {@code Connection.addHandlerLast} puts it. Not through that method: it also subscribes to the
   * connection's termination to take the handler out again, which costs every connection about 270
   * bytes of heap (a first-with-signal race of the close future and a sink, and its subscribers)
   * for as long as it is open. Netty removes every handler of a closed channel when it deregisters
   * it, and this one releases what it holds when the channel goes inactive. Unlike that method it
   * does not skip a handler already installed under the name: a channel gets one, and a second
   * install fails here, after its session was made (no caller installs twice).
   */
  static void addBeforeReactorEnd(ChannelPipeline pipeline, ChannelHandler handler) {
    for (String name : pipeline.names()) {
      if (name.startsWith(NettyPipeline.RIGHT)) {
        pipeline.addBefore(name, HANDLER_NAME, handler);
        return;
      }
    }
    pipeline.addLast(HANDLER_NAME, handler);
  }

  /** The channel this handler is installed on (for tests). */
  Channel channel() {
    return channel;
  }

  static String describe(@Nullable SocketAddress address) {
    if (address instanceof InetSocketAddress inet) {
      String host =
          inet.getAddress() != null ? NetUtil.toAddressString(inet.getAddress()) : inet.getHostString();
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
    }
    return address == null ? "unknown" : address.toString();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    context = ctx;
    super.handlerAdded(ctx);
  }

  // ---------------------------------------------------------------- inbound

  /**
   * A read that completes the frame left partial by the previous one: Netty's cumulator would copy
   * the whole read behind the partial frame (and reallocate when it does not fit). Instead only
   * that frame is assembled, in a buffer of its own, and delivered; the rest of the read is then
   * decoded where it lies, the cumulation being empty. Every other case goes the usual way.
   */
  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (msg instanceof ByteBuf in && !failed) {
      ByteBuf partial = internalBuffer();
      int k = partial.readableBytes();
      if (k >= LengthCodec.PREFIX) {
        long length = partial.getUnsignedInt(partial.readerIndex());
        // a bad length goes the usual way, to be reported by decode
        if (length >= FrameHeader.SIZE && length + LengthCodec.PREFIX <= maxFrameSize) {
          // decoding stopped before this frame: it is not whole yet
          long missing = LengthCodec.PREFIX + length - k;
          // worth it when the read is larger than the frame: that many bytes copied the usual way
          if (missing > 0 && missing <= in.readableBytes() && length <= in.readableBytes()) {
            completePartial(partial, k, (int) length, (int) missing, in);
          }
        }
      }
    }
    super.channelRead(ctx, msg);
  }

  /** Delivers the frame {@code partial} began, its last {@code missing} bytes taken from in. */
  private void completePartial(ByteBuf partial, int k, int length, int missing, ByteBuf in) {
    ByteBuf frame = null;
    try {
      frame = channel.alloc().ioBuffer(length);
      frame.writeBytes(partial, partial.readerIndex() + LengthCodec.PREFIX, k - LengthCodec.PREFIX);
      frame.writeBytes(in, in.readerIndex(), missing);
    } catch (Throwable t) {
      if (frame != null) {
        frame.release();
      }
      in.release();
      throw t;
    }
    partial.skipBytes(k);
    in.skipBytes(missing);
    try {
      listener.onFrame(frame);
    } catch (Throwable t) {
      in.release();
      throw t instanceof DecoderException d ? d : new DecoderException(t);
    } finally {
      frame.release();
    }
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (!failed) {
      ByteBuf frame;
      try {
        frame = LengthCodec.next(in, maxFrameSize);
      } catch (FrameException e) {
        failed = true;
        in.skipBytes(in.readableBytes());
        listener.onProtocolError(e.getMessage());
        channel.close();
        return;
      }
      if (frame == null) {
        return;
      }
      listener.onFrame(frame);
    }
    if (failed) {
      in.skipBytes(in.readableBytes());
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
    keepPartialAlone(ctx);
    super.channelReadComplete(ctx);
    listener.onReadComplete();
  }

  /**
   * A frame left partial in a read buffer larger than Netty's 64 KiB (reads go up to 1 MiB, {@link
   * ReadSizes}) and filling less than half of it is copied into a buffer of its own, so that the
   * read buffer is not held for those bytes until the peer sends the rest: a peer that stops
   * mid-frame holds about what it sent, not a whole read buffer.
   */
  private void keepPartialAlone(ChannelHandlerContext ctx) throws Exception {
    ByteBuf partial = internalBuffer();
    int n = partial.readableBytes();
    if (failed || n == 0 || partial.capacity() <= ReadSizes.NETTY_MAX || n > partial.capacity() / 2) {
      return;
    }
    // the copy becomes the cumulation; the read buffer, now fully read, is released
    super.channelRead(ctx, partial.readBytes(n));
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    if (channel.isWritable()) {
      listener.onWritable();
    }
    super.channelWritabilityChanged(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    try {
      inactive = true;
      batch.discard();
      super.channelInactive(ctx);
    } finally {
      listener.onClosed(cause);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable t) {
    if (cause == null) {
      cause = t;
    }
    log.debug("transport error on {}: {}", this, t.toString());
    if (!inactive && channel.isActive() && !(t instanceof IOException)
        && !(t instanceof TransportException)) {
      // this side failed, not the connection (an I/O error, or a transport's own verdict such as
      // a TLS refusal): the peer can still be told why
      Throwable reason = t instanceof DecoderException && t.getCause() != null ? t.getCause() : t;
      try {
        listener.onException(reason);
      } catch (RuntimeException | OutOfMemoryError e) {
        log.debug("listener failed on the error of {}: {}", this, e.toString());
      }
    }
    ctx.close();
  }

  // ---------------------------------------------------------------- FrameConnection

  @Override
  public boolean inLoop() {
    return channel.eventLoop().inEventLoop();
  }

  @Override
  public void execute(Runnable task) {
    channel.eventLoop().execute(task);
  }

  @Override
  public Future<?> schedule(Runnable task, long delay, TimeUnit unit) {
    return channel.eventLoop().schedule(task, delay, unit);
  }

  /**
   * The channel's event loop when it is one thread of its own (not, for example, the loop of an
   * {@code EmbeddedChannel}, which runs on whichever thread calls it).
   */
  @Override
  public @Nullable Object eventLoop() {
    EventLoop loop = channel.eventLoop();
    return loop instanceof SingleThreadEventExecutor ? loop : null;
  }

  /**
   * Writes from this handler's place in the pipeline rather than the tail: the handlers after it
   * (Reactor Netty's inbound bridge on a client's connection; none on a server's) have nothing to
   * do with outbound frames.
   */
  @Override
  public void write(ByteBuf frame) {
    if (inactive) {
      frame.release();
      return;
    }
    batch.add(frame);
  }

  /** The header goes into the write batch, the payload after it as it is: no composite. */
  @Override
  public void writeParts(ByteBuf header, ByteBuf payload) {
    if (inactive) {
      payload.release();
      return;
    }
    batch.add(header, payload);
  }

  /** Copies the frame into the write batch: no buffer of its own. */
  @Override
  public void write(byte[] array, int offset, int length, WriteListener listener) {
    if (!inactive) {
      batch.add(array, offset, length);
    }
    listener.onWritten(null);
  }

  /** The connection's write batch, which hands what it coalesced to the channel. */
  private final class Batch extends FrameBatch {

    Batch(ByteBufAllocator alloc) {
      super(alloc);
    }

    @Override
    protected void send(ByteBuf bytes) {
      ChannelHandlerContext ctx = context;
      if (ctx != null) {
        ctx.write(bytes, ctx.voidPromise());
      } else {
        channel.write(bytes, channel.voidPromise());
      }
    }
  }

  @Override
  public void flush() {
    batch.finish();
    ChannelHandlerContext ctx = context;
    if (ctx != null) {
      ctx.flush();
    } else {
      channel.flush();
    }
  }

  @Override
  public long pendingWriteBytes() {
    var buffer = channel.unsafe().outboundBuffer();
    return buffer == null ? 0 : buffer.totalPendingWriteBytes();
  }

  @Override
  public boolean isWritable() {
    return channel.isWritable();
  }

  /**
   * The session's write-ahead past the channel's high-water mark (Netty's 64 KiB): a client
   * streaming 4 KiB requests passes the mark every 16 of them, and a write, two writability events
   * and a drain per 64 KiB cost more than the bytes.
   *
   * @since 0.3
   */
  public static final long WRITE_AHEAD = 256 * 1024;

  @Override
  public long writeAhead() {
    // a channel that Netty closed already (its outbound buffer gone) holds nothing: nothing ahead
    return channel.isActive() && channel.unsafe().outboundBuffer() != null ? WRITE_AHEAD : 0;
  }

  @Override
  public ByteBufAllocator alloc() {
    return channel.alloc();
  }

  @Override
  public void close() {
    channel.close();
  }

  @Override
  public String remoteAddress() {
    return describe(remote);
  }

  @Override
  public @Nullable PeerCredentials peerCredentials() {
    return credentials;
  }

  @Override
  public AdmissionCheck admission() {
    return admission;
  }

  @Override
  public String toString() {
    return "NettyFrameConnection[" + remoteAddress() + "]";
  }
}
