package io.communica.core.internal.session;

import io.communica.core.ClientInfo;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

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
    buf.writeInt(s.capabilities());
    session.out.writeNow(buf);
  }

  @Override
  void onWelcome(ByteBuf in) {
    if (!readLimits(in, "WELCOME")) {
      return;
    }
    session.open(
        new ClientInfo(
            "server", session.describe(), session.connection().peerCredentials(),
            java.time.Instant.now()),
        readCapabilities(in));
  }

  @Override
  void onRefuse(String reason) {
    session.refused(reason);
  }

  @Override
  void onOtherVersion(int version, int type, ByteBuf frame) {
    String text = refuseText(type, frame);
    session.refused(
        "the server speaks protocol version " + version + " and this client version "
            + FrameHeader.VERSION + (text.isEmpty() ? "" : ": " + text));
  }
}
