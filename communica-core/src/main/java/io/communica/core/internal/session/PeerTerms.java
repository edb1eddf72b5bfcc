package io.communica.core.internal.session;

import io.communica.core.frame.Capabilities;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.LengthCodec;
import io.communica.core.transport.FrameConnection;
import java.security.MessageDigest;
import org.jspecify.annotations.Nullable;

/**
 * What the two ends of one connection agreed in the handshake: the peer's limits, the
 * capabilities both announced and the connection's resume token. Written on the loop while the
 * handshake runs; the message limit, capabilities and token are read from any thread (replies are
 * encoded on worker threads too).
 */
public final class PeerTerms {

  private final int ownMaxMessage;
  private final int ownCapabilities;
  /** The connection to the peer, named in errors. */
  private final FrameConnection conn;

  /** The peer's message limit. */
  private volatile int maxMessage = Integer.MAX_VALUE;
  /** Loop-confined: largest frame (without length prefix) the peer accepts. */
  private int frameLimit = FrameHeader.MIN_FRAME_SIZE - LengthCodec.PREFIX;
  private volatile int capabilities;
  /** Server: the token issued in this connection's WELCOME; client: the token it received. */
  private volatile byte[] resumeToken = new byte[0];

  PeerTerms(SessionSettings settings, FrameConnection conn) {
    this.ownMaxMessage = settings.maxMessageSize();
    this.ownCapabilities = settings.capabilities();
    this.conn = conn;
  }

  /**
   * Takes the limits the peer announced; null when they are valid, else what is wrong with them.
   */
  @Nullable String limits(int maxMessage, int maxFrame, int keepAliveMs) {
    if (maxMessage <= 0 || maxFrame < FrameHeader.MIN_FRAME_SIZE || keepAliveMs <= 0) {
      return "invalid limits in handshake: max message " + maxMessage + ", max frame " + maxFrame
          + ", keep-alive " + keepAliveMs + " ms";
    }
    this.maxMessage = maxMessage;
    this.frameLimit = maxFrame - LengthCodec.PREFIX;
    return null;
  }

  /** The handshake completed: the peer announced {@code peerCapabilities}. */
  void agree(int peerCapabilities) {
    this.capabilities = ownCapabilities & peerCapabilities;
  }

  /** Largest payload this side may send: the smaller of both peers' limits. */
  int sendLimit() {
    return Math.min(ownMaxMessage, maxMessage);
  }

  int peerMaxMessage() {
    return maxMessage;
  }

  /** Largest frame (without length prefix) the peer accepts. */
  int frameLimit() {
    return frameLimit;
  }

  /** Whether both sides announced capability {@code bit}; false before the handshake. */
  public boolean has(int bit) {
    return (capabilities & bit) == bit;
  }

  /**
   * Checks that both sides announced capability {@code bit}, before a feature that needs it sends.
   *
   * @throws UnsupportedOperationException naming the capability and what the connection has
   */
  public void require(int bit) {
    if (!has(bit)) {
      throw new UnsupportedOperationException(
          "the peer at " + conn.remoteAddress() + " does not support " + Capabilities.name(bit)
              + "; the connection has capabilities " + Capabilities.describe(capabilities));
    }
  }

  /** The resume token of this connection; empty when none was issued. */
  public byte[] resumeToken() {
    return resumeToken.clone();
  }

  void resumeToken(byte[] token) {
    this.resumeToken = token.clone();
  }

  /**
   * Whether {@code token} is this connection's resume token: the connection that presents it is
   * the same client. Compared in constant time, so that timing does not reveal a prefix.
   */
  public boolean provenBy(byte[] token) {
    byte[] own = resumeToken;
    return own.length > 0 && MessageDigest.isEqual(own, token);
  }
}
