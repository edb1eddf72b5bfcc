package io.communica.core.internal.session;

import io.communica.core.frame.Capabilities;
import io.communica.core.frame.ErrorKind;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.time.Instant;

/** The client's handshake: sends HELLO, then takes WELCOME or REFUSE. */
final class ClientHandshake extends Handshake {

  ClientHandshake(Session session) {
    super(session);
  }

  @Override
  void start() {
    SessionSettings s = session.settings();
    byte[] credentials = s.credentials();
    ByteBuf buf = begin(FrameType.HELLO, 64 + credentials.length);
    int idLen = ByteBufUtil.utf8Bytes(s.clientId());
    buf.writeShort(idLen);
    ByteBufUtil.reserveAndWriteUtf8(buf, s.clientId(), idLen);
    buf.writeShort(credentials.length);
    buf.writeBytes(credentials);
    int capabilities = s.capabilities();
    buf.writeInt(capabilities);
    if ((capabilities & Capabilities.RESUME_TOKEN) != 0) {
      byte[] token = session.owner().resumeToken();
      buf.writeByte(token.length);
      buf.writeBytes(token);
    }
    session.out.writeNow(buf);
  }

  @Override
  void onWelcome(ByteBuf in) {
    if (!readLimits(in, "WELCOME")) {
      return;
    }
    int capabilities = readCapabilities(in);
    if ((capabilities & session.settings().capabilities() & Capabilities.RESUME_TOKEN) != 0
        && in.readableBytes() >= 1) {
      int len = in.readUnsignedByte();
      if (len <= in.readableBytes()) {
        byte[] token = new byte[len];
        in.readBytes(token);
        session.terms.resumeToken(token);
      }
    }
    session.open("server", Instant.now(), capabilities);
  }

  @Override
  void onRefuse(int reason, String text) {
    if (reason == ErrorKind.REFUSE_ID_IN_USE) {
      session.closing.refusedForNow(text);
    } else {
      session.closing.refused(text);
    }
  }

  @Override
  void onOtherVersion(int version, int type, ByteBuf frame) {
    String text = refuseText(type, frame);
    session.closing.refused(
        "the server speaks protocol version " + version + " and this client version "
            + FrameHeader.VERSION + (text.isEmpty() ? "" : ": " + text));
  }
}
