package io.communica.core.internal.session;

import io.communica.core.ClientInfo;
import io.communica.core.frame.ErrorKind;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.communica.core.transport.FrameConnection;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's handshake: takes the client's HELLO, asks the transport's admission check and the
 * entity's authenticator, and answers WELCOME or REFUSE. A HELLO of another protocol version is
 * answered with a REFUSE in that version's layout where it is known (version 1's is the same as
 * version 2's), so that an old client can tell its user why.
 */
final class ServerHandshake extends Handshake {

  private static final Logger log = LoggerFactory.getLogger(ServerHandshake.class);

  ServerHandshake(Session session) {
    super(session);
  }

  @Override
  void start() {}

  @Override
  void onHello(ByteBuf in) {
    if (!readLimits(in, "HELLO")) {
      return;
    }
    int idLen = in.readableBytes() >= 2 ? in.readUnsignedShort() : 0;
    if (idLen == 0 || idLen > 256 || idLen + 2 > in.readableBytes()) {
      session.refuse(ErrorKind.REFUSE_OTHER, "client id must be 1 to 256 bytes", FrameHeader.VERSION);
      return;
    }
    String clientId = in.readCharSequence(idLen, StandardCharsets.UTF_8).toString();
    int credLen = in.readUnsignedShort();
    if (credLen > in.readableBytes()) {
      session.protocolError("HELLO credentials run past the end of the frame");
      return;
    }
    byte[] credentials = new byte[credLen];
    in.readBytes(credentials);
    int capabilities = readCapabilities(in);
    FrameConnection conn = session.connection();
    ClientInfo info = new ClientInfo(clientId, conn.remoteAddress(), conn.peerCredentials(), Instant.now());
    String refusal = refusal(conn, info, credentials);
    if (refusal != null) {
      session.refuse(ErrorKind.REFUSE_AUTH, refusal, FrameHeader.VERSION);
      return;
    }
    ByteBuf welcome = begin(FrameType.WELCOME, 4);
    welcome.writeInt(session.settings().capabilities());
    session.out.writeFrame(welcome, null);
    session.open(info, capabilities);
  }

  private @Nullable String refusal(FrameConnection conn, ClientInfo info, byte[] credentials) {
    try {
      String refusal = conn.admission().refusal(conn, info.clientId());
      return refusal != null ? refusal : session.owner().onHello(session, info, credentials);
    } catch (RuntimeException e) {
      log.warn("admission check or authenticator failed for client {}", info.clientId(), e);
      return "authentication failed";
    }
  }

  @Override
  void onOtherVersion(int version, int type, ByteBuf frame) {
    session.refuse(
        ErrorKind.REFUSE_VERSION,
        "unsupported protocol version " + version + "; this server speaks version "
            + FrameHeader.VERSION,
        version == 1 ? 1 : FrameHeader.VERSION);
  }
}
