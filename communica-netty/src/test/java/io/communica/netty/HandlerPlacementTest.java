package io.communica.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.transport.TransportOptions;
import io.communica.test.LeakCheckExtension;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.netty.Connection;
import reactor.netty.NettyPipeline;

/**
 * Where the frame handler goes in a connection's pipeline, and that a connection closed with a
 * partial frame buffered lets go of it without the handler being taken out by Reactor Netty.
 */
@Timeout(30)
class HandlerPlacementTest {

  static {
    LeakCheckExtension.install();
  }

  private static final TransportOptions OPTIONS =
      new TransportOptions(64 * 1024, Duration.ofSeconds(1));

  @Test
  void goesBeforeReactorNettysEndHandlersAndAfterTheOthers() {
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.pipeline().addLast(NettyPipeline.LEFT + "tls", new ChannelInboundHandlerAdapter());
    ch.pipeline().addLast(NettyPipeline.ReactiveBridge, new ChannelInboundHandlerAdapter());
    NettyFrameConnection.install(Connection.from(ch), OPTIONS, c -> new ClosingListener(), null);
    assertThat(ch.pipeline().names())
        .containsSubsequence(
            NettyPipeline.LEFT + "tls",
            NettyFrameConnection.HANDLER_NAME,
            NettyPipeline.ReactiveBridge);
    ch.finishAndReleaseAll();
  }

  @Test
  void goesLastWhenReactorNettyHasNoEndHandler() {
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.pipeline().addLast("before", new ChannelInboundHandlerAdapter());
    NettyFrameConnection.install(Connection.from(ch), OPTIONS, c -> new ClosingListener(), null);
    assertThat(ch.pipeline().names())
        .containsSubsequence("before", NettyFrameConnection.HANDLER_NAME);
    assertThat(ch.pipeline().last()).isInstanceOf(NettyFrameConnection.class);
    ch.finishAndReleaseAll();
  }

  @Test
  void aClosedConnectionReleasesItsPartialFrameAndIsToldOnce() {
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.pipeline().addLast(NettyPipeline.ReactiveBridge, new ChannelInboundHandlerAdapter());
    ClosingListener listener = new ClosingListener();
    NettyFrameConnection.install(Connection.from(ch), OPTIONS, c -> listener, null);
    // a length prefix claiming 100 bytes and 10 of them: the decoder keeps the read
    ByteBuf partial = Unpooled.directBuffer(14).writeInt(100).writeZero(10);
    ch.writeInbound(partial);
    assertThat(partial.refCnt()).isPositive();
    ch.close().syncUninterruptibly();
    assertThat(partial.refCnt()).isZero();
    assertThat(listener.closed).isTrue();
    assertThat(listener.closedTwice).isFalse();
    assertThat(ch.pipeline().get(NettyFrameConnection.HANDLER_NAME)).isNull();
    ch.finishAndReleaseAll();
  }
}
