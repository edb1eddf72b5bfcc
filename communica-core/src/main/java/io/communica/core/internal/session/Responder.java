package io.communica.core.internal.session;

import io.communica.core.frame.MetadataCodec;
import io.communica.core.internal.context.CurrentCall;
import io.communica.core.CommunicaException;
import io.communica.core.ConnectionLostException;
import io.communica.core.Handler;
import io.communica.core.OverloadedException;
import io.communica.core.Payload;
import io.communica.core.RequestException;
import io.communica.core.ResponderException;
import io.communica.core.frame.FrameException;
import io.communica.core.frame.FrameHeader;
import io.communica.core.intercept.CallKind;
import io.communica.core.intercept.ServerInterceptor;
import io.netty.buffer.ByteBuf;
import io.netty.util.collection.IntObjectHashMap;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.scheduler.Scheduler;

/**
 * The responding side of a session: dispatches inbound requests and messages to their handlers by
 * handler kind (non-blocking and reactive ones on the loop, blocking ones on the blocking
 * scheduler), keeps the calls that answer later by id so that a CANCEL reaches them, and writes
 * the replies.
 */
final class Responder {

  private static final Logger log = LoggerFactory.getLogger(Responder.class);

  private final Session session;
  private final Routes routes;
  /** Loop-confined: calls whose reply is not written yet, by request id. */
  /** The shared empty map until the first request (see {@link IntMaps}). */
  private IntObjectHashMap<InboundCall> inbound = IntMaps.empty();
  private Scheduler.@Nullable Worker messageWorker;
  /** The server interceptors, or null when none is installed. */
  private final ServerInterceptor @Nullable [] interceptors;

  Responder(Session session, Routes routes) {
    this.session = session;
    this.routes = routes;
    ServerInterceptor[] installed = session.settings().serverInterceptors();
    this.interceptors = installed.length == 0 ? null : installed;
  }

  /** Loop: a REQUEST ({@code wantsReply}) or MESSAGE arrived. */
  void onRequest(
      boolean wantsReply, int id, int flags, int contentType, byte[] routeBytes, int routeLen,
      ByteBuf payload) {
    Map<String, String> metadata = Map.of();
    if ((flags & FrameHeader.FLAG_METADATA) != 0) {
      metadata = readMetadata(wantsReply, id, payload);
      if (metadata == null) {
        return;
      }
      payload = afterMetadata(payload);
    }
    RouteIndex index = routes.index();
    RouteIndex.Entry entry = index.lookup(routeBytes, routeLen);
    if (interceptors != null) {
      onIntercepted(
          wantsReply, id, flags, contentType, routeBytes, routeLen, payload, metadata, index, entry);
      return;
    }
    if (entry == null) {
      unknownRoute(
          wantsReply, id, new String(routeBytes, 0, routeLen, StandardCharsets.UTF_8), index.isEmpty());
      return;
    }
    dispatch(wantsReply, id, flags, contentType, payload, metadata, entry, null);
  }

  /** Loop: a REQUEST_STREAM or REQUEST_CHANNEL ({@code channel}) arrived. */
  void onRequestStream(
      boolean channel, int id, int flags, int contentType, int credits, byte[] routeBytes,
      int routeLen, ByteBuf payload) {
    Map<String, String> metadata = Map.of();
    if ((flags & FrameHeader.FLAG_METADATA) != 0) {
      metadata = readMetadata(true, id, payload);
      if (metadata == null) {
        return;
      }
      payload = afterMetadata(payload);
    }
    RouteIndex index = routes.index();
    RouteIndex.Entry entry = index.lookup(routeBytes, routeLen);
    if (entry == null) {
      unknownRoute(
          true, id, new String(routeBytes, 0, routeLen, StandardCharsets.UTF_8), index.isEmpty());
      return;
    }
    session.streamResponder().start(
        channel, id, flags, contentType, credits, payload, metadata, entry);
  }

  /**
   * The metadata section of a call with flag METADATA, or null when the call was refused (too
   * much metadata) or the section is malformed (a protocol error).
   */
  private @Nullable Map<String, String> readMetadata(boolean wantsReply, int id, ByteBuf payload) {
    int size = MetadataCodec.declaredSize(payload);
    if (size > FrameHeader.MAX_METADATA_BYTES) {
      refuse(
          wantsReply, id,
          new RequestException(
              "metadata of " + size + " bytes exceeds the limit of "
                  + FrameHeader.MAX_METADATA_BYTES + " bytes",
              RequestException.METADATA_TOO_LARGE));
      return null;
    }
    if (payload.readableBytes() < 2 + size) {
      session.protocolError("metadata section runs past the end of the message");
      return null;
    }
    try {
      return MetadataCodec.read(payload, size);
    } catch (FrameException e) {
      session.protocolError(e.getMessage());
      return null;
    }
  }

  /** The payload after its metadata section. */
  private static ByteBuf afterMetadata(ByteBuf payload) {
    int skip = 2 + MetadataCodec.declaredSize(payload);
    return payload.slice(payload.readerIndex() + skip, payload.readableBytes() - skip);
  }

  /** Loop: a call seen by server interceptors, which may add metadata or refuse it. */
  private void onIntercepted(
      boolean wantsReply, int id, int flags, int contentType, byte[] routeBytes, int routeLen,
      ByteBuf payload, Map<String, String> metadata, RouteIndex index,
      RouteIndex.@Nullable Entry entry) {
    String route =
        entry != null ? entry.route() : new String(routeBytes, 0, routeLen, StandardCharsets.UTF_8);
    CallRecord record =
        CallRecord.server(
            interceptors, wantsReply ? CallKind.REQUEST : CallKind.FIRE_AND_FORGET, route,
            metadata, payload.readableBytes(), session.peerId());
    try {
      record.start();
    } catch (RuntimeException e) {
      record.end(e);
      handlerFailed(wantsReply, id, route, e);
      return;
    }
    if (entry == null) {
      record.end(unknownRoute(wantsReply, id, route, index.isEmpty()));
      return;
    }
    dispatch(
        wantsReply, id, flags, contentType, payload, record.metadataForHandler(), entry, record);
  }

  /** Loop: runs the handler of a known route. */
  private void dispatch(
      boolean wantsReply, int id, int flags, int contentType, ByteBuf payload,
      Map<String, String> metadata, RouteIndex.Entry entry, @Nullable CallRecord record) {
    int maxInFlight = session.settings().maxInFlight();
    if (wantsReply && inbound.size() >= maxInFlight) {
      OverloadedException e =
          new OverloadedException(maxInFlight + " requests from this peer are already being handled");
      replyError(id, e);
      end(record, e);
      return;
    }
    if (wantsReply && inbound.containsKey(id)) {
      session.protocolError("request id " + id + " reused while its request is still running");
      return;
    }
    Handler h = entry.handler();
    if (!h.kind().answersRequests()) {
      CommunicaException e =
          new RequestException(
              "route '" + entry.route() + "' has a stream or channel handler, which does not"
                  + " answer " + (wantsReply ? "requests" : "messages"),
              RequestException.WRONG_INTERACTION);
      refuse(wantsReply, id, e);
      end(record, e);
      return;
    }
    if (h.kind() == Handler.Kind.BLOCKING) {
      startBlocking(wantsReply, id, entry, flags, contentType, payload, metadata, record);
      return;
    }
    boolean reactive = h.kind() == Handler.Kind.REACTIVE;
    Object result;
    Object data = null;
    CurrentCall current = CurrentCall.enter(entry.route(), metadata, session);
    try {
      data = entry.decodeRequest(flags, contentType, payload, session.account);
      result = h.invoke(data);
      if (reactive && result instanceof Callable<?> callable) {
        // Mono.just, Mono.empty, Mono.error: answer now without subscribing
        result = callable.call();
        reactive = false;
      }
    } catch (Throwable t) {
      current.exit();
      Payloads.discard(data);
      handlerFailed(wantsReply, id, entry.route(), t);
      end(record, t);
      return;
    }
    if (reactive && result != null) {
      ReactiveCall call =
          new ReactiveCall(
              this, session, id, wantsReply, entry.route(), entry.serializer(), metadata, record);
      if (wantsReply) {
        inbound = IntMaps.writable(inbound, 8);
        inbound.put(id, call);
      }
      try {
        ((Publisher<?>) result).subscribe(call);
      } finally {
        current.exit();
      }
      return;
    }
    current.exit();
    if (wantsReply) {
      if (result instanceof Payload p) {
        int size = p.size();
        if (Replies.writeLargePayload(session, id, p, entry.serializer())) {
          session.out.replyWritten(FrameHeader.SIZE + size);
          end(record, null);
          return;
        }
      }
      ByteBuf reply = Replies.encode(session, id, result, entry.serializer());
      if (record != null) {
        record.end(Replies.errorOf(reply));
      }
      int size = reply.readableBytes();
      session.out.writeMessage(reply, null);
      session.out.replyWritten(size);
    } else {
      Payloads.discard(result);
      session.connection().messageHandled(id, null);
      end(record, null);
    }
  }

  private static void end(@Nullable CallRecord record, @Nullable Throwable error) {
    if (record != null) {
      record.end(error);
    }
  }

  private void startBlocking(
      boolean wantsReply, int id, RouteIndex.Entry entry, int flags, int contentType,
      ByteBuf payload, Map<String, String> metadata, @Nullable CallRecord record) {
    // the payload waits for a thread: it counts against the memory budget until the handler ran
    if (!session.account.reserve(payload.readableBytes())) {
      OverloadedException e =
          new OverloadedException("cannot take the call: " + session.account.overBudget());
      refuse(wantsReply, id, e);
      end(record, e);
      return;
    }
    BlockingCall call =
        new BlockingCall(
            this, id, wantsReply, entry, flags, contentType, keep(payload), metadata, record);
    if (wantsReply) {
      inbound = IntMaps.writable(inbound, 8);
      inbound.put(id, call);
    }
    try {
      if (wantsReply) {
        call.start(session.settings().blockingScheduler());
      } else {
        call.start(messageWorker());
      }
    } catch (RejectedExecutionException e) {
      inbound.remove(id);
      call.releasePayload();
      OverloadedException saturated =
          new OverloadedException("the responder's blocking scheduler is saturated");
      handlerFailed(wantsReply, id, entry.route(), saturated);
      end(record, saturated);
    }
  }

  /**
   * No handler for the route: the requester's fault (an unknown route), or the responder's when it
   * has no handler at all (communica's "did not define a handler"). Returns the error.
   */
  private CommunicaException unknownRoute(
      boolean wantsReply, int id, String route, boolean noHandlers) {
    CommunicaException error =
        noHandlers
            ? new ResponderException(
                "the responder did not define a handler", ResponderException.NO_HANDLER)
            : new RequestException("unknown route '" + route + "'", RequestException.UNKNOWN_ROUTE);
    if (!wantsReply) {
      log.warn("dropping a message from {}: {}", session.describe(), error.getMessage());
    }
    refuse(wantsReply, id, error);
    return error;
  }

  /** Refuses a call before any handler: an ERROR for a request, a failed message otherwise. */
  private void refuse(boolean wantsReply, int id, CommunicaException e) {
    if (wantsReply) {
      replyError(id, e);
    } else {
      if (log.isDebugEnabled()) {
        log.debug("refusing a message from {}: {}", session.describe(), e.getMessage());
      }
      session.connection().messageHandled(id, e);
    }
  }

  Session session() {
    return session;
  }

  /** Loop: the requester cancelled request {@code id}. */
  void onCancel(int id) {
    InboundCall call = inbound.remove(id);
    if (call != null) {
      call.ended(CallRecord::cancelled);
      call.cancel();
    } else {
      // a CANCEL that crossed the reply is common: it makes no stream part
      StreamResponder streams = session.streamResponderIfMade();
      if (streams != null) {
        streams.onCancel(id);
      }
    }
  }

  /**
   * A payload handed to another thread: small ones are copied, so that a queue of waiting messages
   * does not hold on to whole read buffers; large (reassembled) ones are shared.
   */
  private static ByteBuf keep(ByteBuf payload) {
    return payload.readableBytes() <= 64 * 1024 ? payload.copy() : payload.retainedSlice();
  }

  /**
   * Fire-and-forget messages for blocking handlers run on one worker of the blocking scheduler per
   * connection, so that they are handled one at a time in the order received (log lines stay in
   * order); requests run concurrently.
   */
  private Scheduler.Worker messageWorker() {
    Scheduler.Worker w = messageWorker;
    if (w == null) {
      w = session.settings().blockingScheduler().createWorker();
      messageWorker = w;
    }
    return w;
  }

  /** The handler threw: answer with the error, or tell the transport the message failed. */
  void handlerFailed(boolean wantsReply, int id, String route, Throwable failure) {
    Throwable t = Replies.explain(failure);
    Replies.logFailure(route, t);
    if (wantsReply) {
      replyError(id, t);
    } else {
      session.connection().messageHandled(id, t);
    }
  }

  /** The handler of an inbound MESSAGE finished (any thread): tells the transport. */
  void messageDone(int id, @Nullable Throwable failure) {
    session.connection().messageHandled(id, failure);
  }

  private void replyError(int id, Throwable t) {
    // a long message can exceed the peer's frame size: errors are fragmented like replies
    session.out.writeMessage(Replies.error(session, id, t), null);
  }

  /** Queues the reply (from any thread) of a call that was registered in {@link #inbound}. */
  void sendReply(InboundCall call) {
    if (!session.outbox.submit(call)) {
      call.fail(new ConnectionLostException("closed"));
    }
  }

  /** Loop: writes the reply of a registered call unless it was cancelled meanwhile. */
  void writeReply(InboundCall call, ByteBuf frame) {
    if (!call.wantsReply || inbound.get(call.id) != call) {
      frame.release();
      return;
    }
    inbound.remove(call.id);
    int size = frame.readableBytes();
    session.out.writeMessage(frame, null);
    session.out.replyWritten(size); // a reactive reply completed in the burst that read its request
  }

  /** Loop: requests being handled whose reply is not written yet. */
  int inFlight() {
    return inbound.size();
  }

  /** Loop: the connection closed; calls still running are cancelled. */
  void close() {
    for (InboundCall call : inbound.values()) {
      call.ended(CallRecord::cancelled);
      call.cancel();
    }
    inbound.clear();
    if (messageWorker != null) {
      // messages already received are still handled; the worker is released after them
      Scheduler.Worker w = messageWorker;
      w.schedule(w::dispose);
    }
  }
}
