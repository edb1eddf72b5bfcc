package io.communica.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.transport.AdmissionCheck;
import io.communica.core.transport.TransportOptions;
import io.communica.test.LeakCheckExtension;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.netty.DisposableServer;
import reactor.netty.NettyPipeline;
import reactor.netty.tcp.TcpServer;

/**
 * An accepted connection carries the frame handler in place of Reactor Netty's reactive bridge;
 * with TLS, the handler comes once the handshake has succeeded, and a connection whose handshake
 * fails never gets one.
 */
@Timeout(30)
class ServerPipelineTest {

  static {
    LeakCheckExtension.install();
  }

  private static final TransportOptions OPTIONS =
      new TransportOptions(64 * 1024, Duration.ofSeconds(1));

  @Test
  void anAcceptedConnectionHasTheFrameHandlerAndNoReactiveBridge() throws Exception {
    CompletableFuture<List<String>> names = new CompletableFuture<>();
    DisposableServer server =
        NettyTransport.bind(
                TcpServer.create().host("127.0.0.1").port(0),
                OPTIONS,
                c -> {
                  NettyFrameConnection fc = (NettyFrameConnection) c;
                  // the handler is made before it is added: look once the channel's loop is done
                  fc.execute(() -> names.complete(fc.channel().pipeline().names()));
                  return new ClosingListener();
                },
                NettyTransport::noCredentials,
                AdmissionCheck.ALLOW_ALL)
            .block(Duration.ofSeconds(10));
    try (Socket socket = new Socket()) {
      socket.connect((InetSocketAddress) server.address(), 5000);
      assertThat(names.get(10, TimeUnit.SECONDS))
          .contains(NettyFrameConnection.HANDLER_NAME)
          .doesNotContain(NettyPipeline.ReactiveBridge);
    } finally {
      server.disposeNow(Duration.ofSeconds(10));
    }
  }

  @Test
  void withTlsTheHandlerComesWhenTheHandshakeSucceeded() {
    int[] installs = {0};
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.pipeline()
        .addLast(
            NettyTransport.AFTER_TLS,
            new NettyTransport.AfterTlsHandshake(() -> installs[0]++));
    assertThat(installs[0]).isZero();
    ch.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
    assertThat(installs[0]).isOne();
    assertThat(ch.pipeline().get(NettyTransport.AFTER_TLS)).isNull();
    ch.finishAndReleaseAll();
  }

  @Test
  void aFailedHandshakeInstallsNothingAndTheConnectionCloses() {
    int[] installs = {0};
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.pipeline()
        .addLast(NettyTransport.AFTER_TLS, new NettyTransport.AfterTlsHandshake(() -> installs[0]++));
    ch.pipeline()
        .fireUserEventTriggered(new SslHandshakeCompletionEvent(new SSLHandshakeException("no")));
    ch.pipeline().fireExceptionCaught(new SSLHandshakeException("no"));
    assertThat(installs[0]).isZero();
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }

  @Test
  void bytesBeforeTheHandshakeAreReleasedAndTheConnectionCloses() {
    int[] installs = {0};
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.pipeline()
        .addLast(NettyTransport.AFTER_TLS, new NettyTransport.AfterTlsHandshake(() -> installs[0]++));
    ByteBuf stray = Unpooled.directBuffer(4).writeInt(7);
    ch.writeInbound(stray);
    assertThat(stray.refCnt()).isZero();
    assertThat(installs[0]).isZero();
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }
}
