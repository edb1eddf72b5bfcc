package io.communica.udp;

import io.communica.core.RequestException;
import io.communica.core.frame.ErrorKind;
import io.communica.core.frame.FrameType;
import io.communica.core.transport.WriteListener;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * One client of a UDP server, known by its address: the connection its session runs on. Replies
 * go back to the address as datagrams; the session's WELCOME and CLOSE stay here; calls the server
 * makes to the client fail at once, since nothing listens on a client's address.
 */
final class UdpPeer extends DatagramConnection {

  static final String NO_SERVER_CALLS =
      "a server cannot call its clients over udp://: a UDP client only reads the replies to its"
          + " own requests (use a connector with connections, such as tcp:// or unix://, to call"
          + " clients)";

  private final UdpServerChannel server;
  private final InetSocketAddress address;
  private final String remote;
  private long lastSeen = System.nanoTime();

  UdpPeer(UdpServerChannel server, Channel channel, InetSocketAddress address, int maxDatagram) {
    super(channel, maxDatagram);
    this.server = server;
    this.address = address;
    this.remote = "udp://" + NetUtil.toSocketAddressString(address);
  }

  InetSocketAddress address() {
    return address;
  }

  long lastSeen() {
    return lastSeen;
  }

  void touch() {
    lastSeen = System.nanoTime();
  }

  @Override
  InetSocketAddress recipient() {
    return address;
  }

  @Override
  void onSessionFrame(int type, ByteBuf frame) {
    frame.release(); // WELCOME, REFUSE, CLOSE, PONG: the client has no session to read them
  }

  @Override
  void onCall(int type, ByteBuf frame, @Nullable WriteListener written) {
    if (type == FrameType.RESPONSE || type == FrameType.ERROR) {
      touch();
      send(frame, written);
      return;
    }
    int id = io.communica.core.frame.FrameHeader.id(frame);
    frame.release();
    if (written != null) {
      written.onWritten(new RequestException(NO_SERVER_CALLS));
    } else if (type == FrameType.REQUEST) {
      handBack(Datagrams.error(alloc(), id, ErrorKind.REQUEST, 0, NO_SERVER_CALLS));
    }
  }

  @Override
  public void close() {
    closing = true;
    execute(
        () -> {
          server.remove(this);
          closed(null);
        });
  }

  @Override
  public String remoteAddress() {
    return remote;
  }
}
