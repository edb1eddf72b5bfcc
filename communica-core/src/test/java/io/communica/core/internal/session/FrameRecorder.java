package io.communica.core.internal.session;

import io.netty.buffer.ByteBuf;
import org.jspecify.annotations.Nullable;

/**
 * A {@link FrameHandler} for tests of the frame reader: it takes every frame and keeps the last
 * thing the reader reported against the peer (a protocol error, an overload, another version).
 * Tests override what they look at.
 */
class FrameRecorder implements FrameHandler {
  @Nullable String error;

  @Override public boolean acceptsMessages() { return true; }
  @Override public void onHello(ByteBuf payload) {}
  @Override public void onWelcome(ByteBuf payload) {}
  @Override public void onRefuse(int reason, String text) {}
  @Override public void onRequest(
      boolean wantsReply, int id, int flags, int contentType, byte[] route, int routeLen,
      ByteBuf payload) {}
  @Override public void onResponse(int id, int flags, int contentType, ByteBuf payload) {}
  @Override public void onError(int id, int kind, ByteBuf payload) {}
  @Override public void onCancel(int id) {}
  @Override public void onPing() {}
  @Override public void onClose(int code, String reason) {}
  @Override public void onOtherVersion(int version, int type, ByteBuf frame) {
    error = "version " + version;
  }
  @Override public void protocolError(String reason) {
    error = reason;
  }
  @Override public void overloaded(String reason) {
    error = reason;
  }
}
