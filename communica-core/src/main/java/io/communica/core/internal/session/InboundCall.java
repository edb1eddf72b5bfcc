package io.communica.core.internal.session;

import io.communica.core.Serializer;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A request (or message) being handled on this side whose handler answers later: from a worker
 * thread ({@link BlockingCall}) or a publisher ({@link ReactiveCall}). Registered in the session by
 * id so that a CANCEL frame can reach it; its reply frame is encoded on the thread that produced
 * the value and then queued as an {@link Outbound}.
 */
abstract class InboundCall implements Outbound {

  final Responder responder;
  final int id;
  final boolean wantsReply;
  final String route;
  final Map<String, String> metadata;
  private final Serializer serializer;
  private final @Nullable CallRecord record;
  private @Nullable ByteBuf reply;
  private int size;

  InboundCall(
      Responder responder,
      int id,
      boolean wantsReply,
      String route,
      Serializer serializer,
      Map<String, String> metadata,
      @Nullable CallRecord record) {
    this.responder = responder;
    this.id = id;
    this.wantsReply = wantsReply;
    this.route = route;
    this.serializer = serializer;
    this.metadata = metadata;
    this.record = record;
  }

  /** Tells the interceptors, if any, how the call ended (the first end counts). */
  final void ended(Consumer<CallRecord> how) {
    CallRecord r = record;
    if (r != null) {
      how.accept(r);
    }
  }

  /** Loop: the requester cancelled, or the connection closed. */
  abstract void cancel();

  /** The handler produced its value (null for none). Any thread, once. */
  final void complete(@Nullable Object value) {
    if (!wantsReply) {
      Payloads.discard(value);
      responder.messageDone(id, null);
      ended(r -> r.end(null));
      return;
    }
    ByteBuf frame = Replies.encode(responder.session(), id, value, serializer);
    if (record != null) {
      record.end(Replies.errorOf(frame));
    }
    send(frame);
  }

  /** The handler failed. Any thread, once. */
  final void completeError(Throwable failure) {
    Throwable t = Replies.explain(failure);
    Replies.logFailure(route, t);
    ended(r -> r.end(t));
    if (wantsReply) {
      send(Replies.error(responder.session(), id, t));
    } else {
      responder.messageDone(id, t);
    }
  }

  private void send(ByteBuf frame) {
    reply = frame;
    size = frame.readableBytes();
    responder.sendReply(this);
  }

  @Override
  public final void write(Session s) {
    ByteBuf f = reply;
    reply = null;
    if (f != null) {
      responder.writeReply(this, f);
    }
  }

  @Override
  public final void fail(Throwable error) {
    ByteBuf f = reply;
    reply = null;
    ReferenceCountUtil.release(f);
  }

  @Override
  public final int size() {
    return size;
  }

  @Override
  public final long deadline() {
    return Long.MAX_VALUE;
  }
}
