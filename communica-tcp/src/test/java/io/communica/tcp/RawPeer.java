package io.communica.tcp;

import io.communica.core.frame.Capabilities;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/** A hand-driven peer on a plain socket, for feeding a server bytes no library would send. */
final class RawPeer implements AutoCloseable {

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  RawPeer(int port) throws IOException {
    this(connect(port));
  }

  RawPeer(Socket socket) throws IOException {
    this.socket = socket;
    socket.setSoTimeout(10_000);
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  private static Socket connect(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    return s;
  }

  void send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  void shutdownOutput() throws IOException {
    socket.shutdownOutput();
  }

  /** {@code count} empty REQUEST frames with ids 1 to {@code count}, one after the other. */
  static byte[] emptyRequests(int count) {
    byte[] request = frame(FrameHeader.VERSION, FrameType.REQUEST, FrameHeader.FLAG_EMPTY, 0, new byte[0]);
    ByteBuffer all = ByteBuffer.allocate(count * request.length);
    for (int i = 1; i <= count; i++) {
      all.put(request).putInt(all.position() - request.length + 4 + FrameHeader.OFF_ID, i);
    }
    return all.array();
  }

  /** A frame with the given header fields and payload. */
  static byte[] frame(int version, int type, int flags, int id, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(4 + FrameHeader.SIZE + payload.length);
    b.putInt(FrameHeader.SIZE + payload.length);
    b.put((byte) version).put((byte) type).put((byte) flags).put((byte) 0);
    b.putInt(id).putShort((short) 0).putShort((short) 0);
    b.put(payload);
    return b.array();
  }

  static byte[] hello(int version, String clientId) {
    return hello(version, clientId, 10_000);
  }

  static byte[] hello(int version, String clientId, int keepAliveMs) {
    return hello(version, clientId.getBytes(StandardCharsets.UTF_8), keepAliveMs, 0, null);
  }

  /**
   * A HELLO with the client id's raw bytes, capability bits (version 2) and, when not null, a
   * resume token after them.
   */
  static byte[] hello(
      int version, byte[] id, int keepAliveMs, int capabilities, byte @Nullable [] token) {
    return hello(version, id, keepAliveMs, capabilities, token, 64 * 1024);
  }

  /** A HELLO as above announcing {@code maxFrame} as this peer's largest frame. */
  static byte[] hello(
      int version, byte[] id, int keepAliveMs, int capabilities, byte @Nullable [] token,
      int maxFrame) {
    // version 2 added the capability bits at the end
    int tail = version >= 2 ? 4 + (token != null ? 1 + token.length : 0) : 0;
    ByteBuffer p = ByteBuffer.allocate(12 + 2 + id.length + 2 + tail);
    p.putInt(16 * 1024 * 1024).putInt(maxFrame).putInt(keepAliveMs);
    p.putShort((short) id.length).put(id).putShort((short) 0);
    if (version >= 2) {
      p.putInt(capabilities);
      if (token != null) {
        p.put((byte) token.length).put(token);
      }
    }
    return frame(version, FrameType.HELLO, 0, 0, p.array());
  }

  /** The resume token at the end of a WELCOME's payload, or null when it carries none. */
  static byte @Nullable [] welcomeToken(Received welcome) {
    ByteBuffer b = ByteBuffer.wrap(welcome.payload());
    if (b.remaining() < 17) {
      return null;
    }
    b.position(12);
    int capabilities = b.getInt();
    if ((capabilities & Capabilities.RESUME_TOKEN) == 0 || b.remaining() < 1) {
      return null;
    }
    byte[] token = new byte[b.get() & 0xff];
    b.get(token);
    return token;
  }

  /** Sends a valid HELLO and expects WELCOME. */
  void handshake(String clientId) throws IOException {
    send(hello(FrameHeader.VERSION, clientId));
    Received r = read();
    if (r == null || r.type != FrameType.WELCOME) {
      throw new IOException("expected WELCOME, got " + r);
    }
  }

  record Received(int version, int type, int error, String text, byte[] payload) {}

  /** The next frame, or null at end of stream; bodies are capped at 1 MiB. */
  Received read() throws IOException {
    int len;
    try {
      len = in.readInt();
    } catch (EOFException e) {
      return null;
    }
    if (len < FrameHeader.SIZE || len > 1 << 20) {
      throw new IOException("bad length from server: " + len);
    }
    byte[] body = new byte[len];
    in.readFully(body);
    ByteBuffer b = ByteBuffer.wrap(body);
    int version = b.get() & 0xff;
    int type = b.get() & 0xff;
    b.get(); // flags
    b.get(); // content type
    b.getInt(); // id
    int error = b.getShort() & 0xffff;
    int routeLen = b.getShort() & 0xffff;
    b.position(b.position() + routeLen);
    String text = new String(body, b.position(), body.length - b.position(), StandardCharsets.UTF_8);
    byte[] payload = java.util.Arrays.copyOfRange(body, b.position(), body.length);
    return new Received(version, type, error, text, payload);
  }

  /** Reads frames until the server closes; returns the last frame seen (CLOSE/REFUSE reason). */
  Received readUntilClosed() throws IOException {
    Received last = null;
    try {
      for (Received r; (r = read()) != null; ) {
        last = r;
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the server did not close the connection; last frame " + last, e);
    } catch (IOException e) {
      // connection reset after the reason frame: closed as well
    }
    return last;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
