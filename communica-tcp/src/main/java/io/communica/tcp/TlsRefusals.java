package io.communica.tcp;

import io.communica.core.HandshakeRefusedException;
import io.communica.core.frame.ControlFrames;
import io.communica.core.frame.ErrorKind;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.communica.core.frame.LengthCodec;
import io.communica.core.transport.Causes;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.List;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a TLS refusal looks like on each side, so that neither side is left guessing:
 *
 * <ul>
 *   <li>{@link ServerLog}: the server logs each failed TLS handshake (an untrusted or expired client
 *       certificate, none where one is required) with the peer's address and the reason, at most
 *       {@value #LINES_PER_SECOND} lines a second (the rest are counted and the count logged with
 *       the next line). Certificates and keys are never logged, only the verifier's message.
 *   <li>{@link PlaintextProbe}: a TLS server answers a client that speaks plaintext communica with a
 *       plaintext REFUSE ({@code this server requires TLS}), which the client reads as {@link
 *       HandshakeRefusedException}, instead of a TLS alert the client would take for a frame.
 *   <li>{@link ClientSide}: a client whose TLS handshake failed, or whose server sent a TLS alert
 *       (in TLS 1.3 the server checks the client's certificate after the client finished its
 *       handshake), fails with a {@link HandshakeRefusedException} saying why; the client entity
 *       fails its waiting calls with it at once rather than at their timeouts.
 * </ul>
 */
final class TlsRefusals {

  private static final Logger log = LoggerFactory.getLogger(TcpConnector.class);

  static final int LINES_PER_SECOND = 10;
  private static final long SECOND = 1_000_000_000L;

  private static long windowStart = System.nanoTime();
  private static int inWindow;
  private static long suppressed;

  private TlsRefusals() {}

  /** Logs one refusal, or counts it when the limit of this second is reached. */
  static void warn(String line) {
    long dropped = 0;
    synchronized (TlsRefusals.class) {
      long now = System.nanoTime();
      if (now - windowStart >= SECOND) {
        windowStart = now;
        inWindow = 0;
        dropped = suppressed;
        suppressed = 0;
      }
      if (inWindow >= LINES_PER_SECOND) {
        suppressed++;
        return;
      }
      inWindow++;
    }
    log.warn(dropped > 0 ? line + " (" + dropped + " more TLS refusals not logged before)" : line);
  }

  static String describe(@Nullable SocketAddress address) {
    if (address instanceof InetSocketAddress inet) {
      return inet.getHostString() + ":" + inet.getPort();
    }
    return String.valueOf(address);
  }

  private static @Nullable SSLException ssl(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SSLException e) {
        return e;
      }
    }
    return null;
  }

  /** The server's log of failed TLS handshakes. After the SslHandler. */
  static final class ServerLog extends ChannelInboundHandlerAdapter {

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof SslHandshakeCompletionEvent done
          && !done.isSuccess()
          && !(done.cause() instanceof ClosedChannelException)) {
        // (closed before the handshake: a peer that left, or one the probe refused and logged)
        warn(
            "TLS handshake with " + describe(ctx.channel().remoteAddress()) + " failed, connection"
                + " refused: " + Causes.messages(done.cause()));
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (ssl(cause) != null) {
        // reported by the handshake event above; the connection is closed by the SslHandler
        ctx.close();
        return;
      }
      ctx.fireExceptionCaught(cause);
    }
  }

  /**
   * The first handler of a TLS server's connection: lets TLS through, answers a plaintext HELLO
   * with a plaintext REFUSE, closes anything else. Removes itself after the first bytes.
   */
  static final class PlaintextProbe extends ByteToMessageDecoder {

    /** First byte of a TLS handshake record. */
    private static final int TLS_HANDSHAKE = 0x16;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      int start = in.readerIndex();
      if (in.readableBytes() < 1) {
        return;
      }
      if (in.getUnsignedByte(start) == TLS_HANDSHAKE) {
        ctx.pipeline().remove(this); // hands what arrived to the SslHandler
        return;
      }
      if (in.readableBytes() < LengthCodec.PREFIX + 2) {
        return;
      }
      int version = in.getUnsignedByte(start + LengthCodec.PREFIX);
      int type = in.getUnsignedByte(start + LengthCodec.PREFIX + 1);
      in.skipBytes(in.readableBytes());
      String peer = describe(ctx.channel().remoteAddress());
      if (type == FrameType.HELLO && (version == 1 || version == FrameHeader.VERSION)) {
        String reason =
            "this server requires TLS: connect with tls=true (and ca=...) in the connector string";
        warn("plaintext client at " + peer + " refused: this server requires TLS");
        ByteBuf frame = ControlFrames.refuse(ctx.alloc(), ErrorKind.REFUSE_AUTH, reason);
        // in the client's version: version 1 and 2 share this layout
        frame.setByte(frame.readerIndex() + FrameHeader.OFF_VERSION, version);
        ByteBuf prefixed = ctx.alloc().buffer(LengthCodec.PREFIX + frame.readableBytes());
        LengthCodec.writePrefixed(prefixed, frame);
        frame.release();
        ctx.writeAndFlush(prefixed).addListener(ChannelFutureListener.CLOSE);
      } else {
        warn("connection from " + peer + " closed: it speaks neither TLS nor communica");
        ctx.close();
      }
    }
  }

  /** A client's TLS failure as the refusal it is. After the SslHandler. */
  static final class ClientSide extends ChannelInboundHandlerAdapter {

    private final String server;
    private final boolean hasCertificate;

    ClientSide(String server, boolean hasCertificate) {
      this.server = server;
      this.hasCertificate = hasCertificate;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      SSLException e = ssl(cause);
      ctx.fireExceptionCaught(e != null ? refusal(server, hasCertificate, e) : cause);
    }
  }

  /** What a client tells its user when TLS with {@code server} failed. */
  static HandshakeRefusedException refusal(String server, boolean hasCertificate, SSLException e) {
    String m = String.valueOf(e.getMessage());
    String why;
    if (m.contains("Received fatal alert")) {
      boolean aboutCertificate =
          m.contains("certificate") || m.contains("unknown_ca") || m.contains("access_denied");
      why =
          !aboutCertificate
              ? "the server at " + server + " ended the TLS handshake"
              : hasCertificate
                  ? "the server at " + server + " refused this client's TLS certificate"
                  : "the server at " + server + " requires a client certificate (cert= and key= in"
                      + " the connector string)";
    } else {
      why = "TLS handshake with " + server + " failed";
    }
    return new HandshakeRefusedException(why + ": " + Causes.messages(e));
  }
}
