package io.communica.core.internal.session;

import io.communica.core.ClientInfo;
import io.communica.core.frame.ErrorKind;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.communica.core.transport.FrameConnection;
import io.netty.buffer.ByteBuf;
import io.communica.core.frame.Capabilities;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
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

  /** Longest client id, in UTF-8 bytes. */
  static final int MAX_ID_BYTES = 256;

  /** Size of the resume tokens this server issues. */
  static final int TOKEN_BYTES = 16;

  private static final byte[] NO_TOKEN = new byte[0];
  private static final SecureRandom RANDOM = new SecureRandom();

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
    if (idLen == 0 || idLen > MAX_ID_BYTES || idLen + 2 > in.readableBytes()) {
      session.closing.refuse(
          ErrorKind.REFUSE_OTHER,
          "malformed client id: it must be 1 to " + MAX_ID_BYTES + " bytes of UTF-8",
          FrameHeader.VERSION);
      return;
    }
    String clientId = decodeId(in, idLen);
    if (clientId == null) {
      session.closing.refuse(
          ErrorKind.REFUSE_OTHER, "malformed client id: it is not valid UTF-8", FrameHeader.VERSION);
      return;
    }
    int credLen = in.readUnsignedShort();
    if (credLen > in.readableBytes()) {
      session.protocolError("HELLO credentials run past the end of the frame");
      return;
    }
    byte[] credentials = new byte[credLen];
    in.readBytes(credentials);
    int capabilities = readCapabilities(in);
    byte[] token = NO_TOKEN;
    if ((capabilities & Capabilities.RESUME_TOKEN) != 0 && in.readableBytes() >= 1) {
      int tokenLen = in.readUnsignedByte();
      if (tokenLen > in.readableBytes()) {
        session.protocolError("HELLO resume token runs past the end of the frame");
        return;
      }
      token = new byte[tokenLen];
      in.readBytes(token);
    }
    FrameConnection conn = session.connection();
    ClientInfo info = new ClientInfo(clientId, conn.remoteAddress(), conn.peerCredentials(), Instant.now());
    String refusal = refusal(conn, info, credentials);
    if (refusal != null) {
      session.closing.refuse(ErrorKind.REFUSE_AUTH, refusal, FrameHeader.VERSION);
      return;
    }
    if (session.owner().idInUse(session, clientId, token)) {
      session.closing.refuse(
          ErrorKind.REFUSE_ID_IN_USE,
          "client id in use: '" + clientId + "' has a live connection and this HELLO does not"
              + " present its resume token; retry later",
          FrameHeader.VERSION);
      return;
    }
    int ours = session.settings().capabilities();
    ByteBuf welcome = begin(FrameType.WELCOME, 5 + TOKEN_BYTES);
    welcome.writeInt(ours);
    if ((ours & Capabilities.RESUME_TOKEN) != 0) {
      byte[] issued = new byte[TOKEN_BYTES];
      RANDOM.nextBytes(issued);
      session.terms.resumeToken(issued);
      welcome.writeByte(TOKEN_BYTES);
      welcome.writeBytes(issued);
    }
    session.out.writeFrame(welcome, null);
    session.open(clientId, info.connectedAt(), capabilities);
  }

  /**
   * The client id of {@code len} bytes at {@code in}'s reader index, or null when they are not
   * valid UTF-8 (a lenient decoder would turn different invalid ids into the same string).
   */
  private static @Nullable String decodeId(ByteBuf in, int len) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    try {
      String id = decoder.decode(in.nioBuffer(in.readerIndex(), len)).toString();
      in.skipBytes(len);
      return id;
    } catch (CharacterCodingException e) {
      return null;
    }
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
    session.closing.refuse(
        ErrorKind.REFUSE_VERSION,
        "unsupported protocol version " + version + "; this server speaks version "
            + FrameHeader.VERSION,
        version == 1 ? 1 : FrameHeader.VERSION);
  }
}
