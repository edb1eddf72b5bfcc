package io.communica.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.communica.core.transport.AdmissionCheck;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.TransportOptions;
import io.communica.test.LeakCheckExtension;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.MaxMessagesRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator.ExtendedHandle;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

/**
 * Connections read up to {@link NettyTransport#MAX_READ} at a time, more than Netty's 64 KiB, after
 * a readiness event found more than 64 KiB waiting; otherwise they read as with Netty's allocator.
 */
@Timeout(30)
class ReadSizeTest {

  static {
    LeakCheckExtension.install();
  }

  private static final TransportOptions OPTIONS =
      new TransportOptions(64 * 1024, Duration.ofSeconds(5));
  private static final ChannelConfig CONFIG = new EmbeddedChannel().config();

  @Test
  void acceptedAndConnectedChannelsUseTheLargerReads() throws Exception {
    CompletableFuture<RecvByteBufAllocator> accepted = new CompletableFuture<>();
    DisposableServer server =
        NettyTransport.bind(
                TcpServer.create().host("127.0.0.1").port(0),
                OPTIONS,
                c -> {
                  accepted.complete(
                      ((NettyFrameConnection) c).channel().config().getRecvByteBufAllocator());
                  return new ClosingListener();
                },
                NettyTransport::noCredentials,
                AdmissionCheck.ALLOW_ALL)
            .block(Duration.ofSeconds(10));
    try {
      InetSocketAddress address = (InetSocketAddress) server.address();
      FrameConnection client =
          NettyTransport.connect(
                  TcpClient.newConnection().host("127.0.0.1").port(address.getPort()),
                  OPTIONS,
                  c -> new ClosingListener(),
                  NettyTransport::noCredentials)
              .block(Duration.ofSeconds(10));
      try {
        Channel channel = ((NettyFrameConnection) client).channel();
        RecvByteBufAllocator connected = channel.config().getRecvByteBufAllocator();
        assertThat(connected).isSameAs(NettyTransport.READS);
        // as many reads per readiness event as the channel would have with Netty's allocator
        assertThat(((MaxMessagesRecvByteBufAllocator) connected).maxMessagesPerRead())
            .isEqualTo(channel.metadata().defaultMaxMessagesPerRead())
            .isGreaterThan(1);
        assertThat(accepted.get(10, TimeUnit.SECONDS)).isSameAs(NettyTransport.READS);
      } finally {
        client.close();
      }
    } finally {
      server.disposeNow(Duration.ofSeconds(10));
    }
  }

  @Test
  void eventsThatFindLittleWaitingReadAsWithNettysAllocator() {
    // the same reads as Netty's own adaptive handle, read for read: full reads of every size it
    // guesses, then reads of 20 KiB (256 small requests), then of 100 bytes
    ExtendedHandle ours = handle(NettyTransport.READS);
    ExtendedHandle netty = handle(new AdaptiveRecvByteBufAllocator());
    for (int event = 0; event < 80; event++) {
      assertThat(ours.guess()).as("event %d", event).isEqualTo(netty.guess());
      int bytes = event < 20 ? ours.guess() : event < 50 ? 20 * 1024 : 100;
      read(ours, bytes);
      read(netty, bytes);
    }
  }

  @Test
  void afterAnEventThatReadMoreThan64KibReadsAskMaxRead() {
    ExtendedHandle handle = handle(NettyTransport.READS);
    // events of one full read each: no more than Netty would read
    for (int i = 0; i < 8; i++) {
      read(handle, handle.guess());
      assertThat(handle.guess()).isLessThanOrEqualTo(64 * 1024);
    }

    // an event of three reads of 64 KiB and one of 10 KiB (202 KiB): the next reads ask MAX_READ
    handle.reset(CONFIG);
    for (int bytes : new int[] {64 * 1024, 64 * 1024, 64 * 1024, 10 * 1024}) {
      handle.attemptedBytesRead(64 * 1024);
      handle.lastBytesRead(bytes);
    }
    handle.readComplete();
    handle.reset(CONFIG);
    assertThat(handle.guess()).isEqualTo(NettyTransport.MAX_READ).isGreaterThan(64 * 1024);

    // and keep to it while events find more than 64 KiB waiting
    read(handle, 300 * 1024);
    assertThat(handle.guess()).isEqualTo(NettyTransport.MAX_READ);

    // an event that finds 64 KiB or less waiting goes back to Netty's guess
    read(handle, 30 * 1024);
    assertThat(handle.guess()).isLessThanOrEqualTo(64 * 1024);
  }

  @Test
  void aFrameLeftPartialInALargeReadBufferDoesNotHoldIt() {
    ClosingListener listener = new ClosingListener();
    List<byte[]> frames = listener.frames;
    EmbeddedChannel ch = installed(listener);
    byte[] body = new byte[4000];
    for (int i = 0; i < body.length; i++) {
      body[i] = (byte) (i * 31);
    }
    // a 1 MiB read: 200 frames, then the first 10 bytes of one more
    ByteBuf read = ch.alloc().directBuffer(1024 * 1024);
    for (int i = 0; i < 200; i++) {
      read.writeInt(body.length).writeBytes(body);
    }
    read.writeInt(body.length).writeBytes(body, 0, 10);
    ch.writeInbound(read); // a read, then the read's end
    assertThat(frames).hasSize(200);
    assertThat(read.refCnt()).as("the read buffer is released").isZero();

    ch.writeInbound(Unpooled.wrappedBuffer(body, 10, body.length - 10));
    assertThat(frames).hasSize(201);
    assertThat(frames.get(200)).isEqualTo(body);
    assertThat(ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void aFrameLeftPartialInAReadOfNettysSizeStaysWhereItIs() {
    ClosingListener listener = new ClosingListener();
    List<byte[]> frames = listener.frames;
    EmbeddedChannel ch = installed(listener);
    ByteBuf read = ch.alloc().directBuffer(64 * 1024);
    read.writeInt(100).writeBytes(new byte[100]).writeInt(100).writeBytes(new byte[10]);
    ch.writeInbound(read);
    assertThat(frames).hasSize(1);
    assertThat(read.refCnt()).as("kept as the partial frame's buffer, as by Netty").isOne();
    ch.writeInbound(Unpooled.wrappedBuffer(new byte[90]));
    assertThat(frames).hasSize(2);
    assertThat(read.refCnt()).isZero();
    ch.finishAndReleaseAll();
  }

  @Test
  void aMaxBelowNettysIsRefused() {
    assertThatThrownBy(() -> new ReadSizes(32 * 1024)).isInstanceOf(IllegalArgumentException.class);
  }

  private static ExtendedHandle handle(RecvByteBufAllocator allocator) {
    ExtendedHandle handle = (ExtendedHandle) allocator.newHandle();
    handle.reset(CONFIG);
    return handle;
  }

  /** One readiness event with one read of {@code bytes} into a buffer of the handle's guess. */
  private static void read(ExtendedHandle handle, int bytes) {
    handle.reset(CONFIG);
    handle.attemptedBytesRead(handle.guess());
    handle.lastBytesRead(bytes);
    handle.readComplete();
  }

  /** A channel with the frame handler in place, reporting to {@code listener}. */
  private static EmbeddedChannel installed(ClosingListener listener) {
    EmbeddedChannel ch = new EmbeddedChannel();
    NettyFrameConnection.install(Connection.from(ch), OPTIONS, c -> listener, null);
    return ch;
  }
}
