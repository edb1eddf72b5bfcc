package io.communica.core.internal.session;

import io.communica.core.CommunicaException;
import io.communica.core.ConnectionLostException;
import io.communica.core.Handler;
import io.communica.core.MessageTooLargeException;
import io.communica.core.OverloadedException;
import io.communica.core.RequestException;
import io.communica.core.ResponderException;
import io.communica.core.Serializer;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.communica.core.transport.FrameConnection;
import io.netty.buffer.ByteBuf;
import io.netty.util.collection.IntObjectHashMap;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
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
  private final FrameConnection conn;
  private final Routes routes;
  /** Loop-confined: calls whose reply is not written yet, by request id. */
  private final IntObjectHashMap<InboundCall> inbound = new IntObjectHashMap<>();
  private Scheduler.@Nullable Worker messageWorker;

  Responder(Session session, FrameConnection conn, Routes routes) {
    this.session = session;
    this.conn = conn;
    this.routes = routes;
  }

  /** Loop: a REQUEST ({@code wantsReply}) or MESSAGE arrived. */
  void onRequest(
      boolean wantsReply, int id, int flags, int contentType, byte[] routeBytes, int routeLen,
      ByteBuf payload) {
    RouteIndex index = routes.index();
    RouteIndex.Entry entry = index.lookup(routeBytes, routeLen);
    if (entry == null) {
      unknownRoute(
          wantsReply, id, new String(routeBytes, 0, routeLen, StandardCharsets.UTF_8), index.isEmpty());
      return;
    }
    int maxInFlight = session.settings().maxInFlight();
    if (wantsReply && inbound.size() >= maxInFlight) {
      replyError(
          id, new OverloadedException(maxInFlight + " requests from this peer are already being handled"));
      return;
    }
    if (wantsReply && inbound.containsKey(id)) {
      session.protocolError("request id " + id + " reused while its request is still running");
      return;
    }
    Handler h = entry.handler();
    if (h.kind() == Handler.Kind.BLOCKING) {
      startBlocking(wantsReply, id, entry, flags, contentType, payload);
      return;
    }
    boolean reactive = h.kind() == Handler.Kind.REACTIVE;
    Object result;
    try {
      result = h.invoke(decodeRequest(entry, flags, contentType, payload));
      if (reactive && result instanceof Callable<?> callable) {
        // Mono.just, Mono.empty, Mono.error: answer now without subscribing
        result = callable.call();
        reactive = false;
      }
    } catch (Throwable t) {
      handlerFailed(wantsReply, id, entry.route(), t);
      return;
    }
    if (reactive && result != null) {
      ReactiveCall call = new ReactiveCall(this, id, wantsReply, entry.route(), entry.serializer());
      if (wantsReply) {
        inbound.put(id, call);
      }
      ((Publisher<?>) result).subscribe(call);
      return;
    }
    if (wantsReply) {
      session.out.writeMessage(encodeReply(id, result, entry.serializer()), null);
    } else {
      conn.messageHandled(id, null);
    }
  }

  private void startBlocking(
      boolean wantsReply, int id, RouteIndex.Entry entry, int flags, int contentType,
      ByteBuf payload) {
    BlockingCall call = new BlockingCall(this, id, wantsReply, entry, flags, contentType, keep(payload));
    if (wantsReply) {
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
      handlerFailed(
          wantsReply, id, entry.route(),
          new OverloadedException("the responder's blocking scheduler is saturated"));
    }
  }

  /**
   * No handler for the route: the requester's fault (an unknown route), or the responder's when it
   * has no handler at all (communica's "did not define a handler").
   */
  private void unknownRoute(boolean wantsReply, int id, String route, boolean noHandlers) {
    CommunicaException error =
        noHandlers
            ? new ResponderException(
                "the responder did not define a handler", ResponderException.NO_HANDLER)
            : new RequestException("unknown route '" + route + "'", RequestException.UNKNOWN_ROUTE);
    if (wantsReply) {
      replyError(id, error);
    } else {
      log.warn("dropping a message from {}: {}", session.describe(), error.getMessage());
      conn.messageHandled(id, error);
    }
  }

  /** Loop: the requester cancelled request {@code id}. */
  void onCancel(int id) {
    InboundCall call = inbound.remove(id);
    if (call != null) {
      call.cancel();
    }
  }

  /**
   * A payload handed to another thread: small ones are copied, so that a queue of waiting messages
   * does not hold on to whole read buffers; large (reassembled) ones are shared.
   */
  private static ByteBuf keep(ByteBuf payload) {
    return payload.readableBytes() <= 64 * 1024 ? payload.copy() : payload.retain();
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

  /** Decodes request data for a handler; a failure is the requester's fault. */
  static @Nullable Object decodeRequest(
      RouteIndex.Entry entry, int flags, int contentType, ByteBuf payload) {
    if ((flags & FrameHeader.FLAG_EMPTY) != 0) {
      return null;
    }
    Serializer serializer = entry.serializer();
    Type type = entry.handler().requestType();
    if (contentType != serializer.contentType()) {
      throw new RequestException(
          "the request is in " + Frames.contentTypeName(contentType)
              + " but the responder decodes " + Frames.contentTypeName(serializer.contentType()),
          RequestException.INVALID_DATA);
    }
    try {
      return serializer.decode(payload, type);
    } catch (RuntimeException e) {
      throw new RequestException(
          "cannot decode the request"
              + (entry.route().isEmpty() ? "" : " for route '" + entry.route() + "'")
              + " as " + type.getTypeName() + ": " + e.getMessage(),
          RequestException.INVALID_DATA,
          e);
    }
  }

  /** The handler threw: answer with the error, or tell the transport the message failed. */
  void handlerFailed(boolean wantsReply, int id, String route, Throwable failure) {
    Throwable t = explain(failure);
    logHandlerFailure(route, t);
    if (wantsReply) {
      replyError(id, t);
    } else {
      conn.messageHandled(id, t);
    }
  }

  /** The handler of an inbound MESSAGE finished (any thread): tells the transport. */
  void messageDone(int id, @Nullable Throwable failure) {
    conn.messageHandled(id, failure);
  }

  /**
   * A handler that ran on the I/O thread and blocked ({@code Mono.block()} and the like) fails
   * with Reactor's "block()/blockFirst()/blockLast() are blocking, which is not supported in
   * thread ..."; the error says what to do instead.
   */
  static Throwable explain(Throwable t) {
    if (t instanceof IllegalStateException
        && t.getMessage() != null
        && t.getMessage().contains("are blocking, which is not supported in thread")) {
      return new IllegalStateException(
          "a non-blocking or reactive handler blocked on the I/O thread (" + t.getMessage()
              + "): use Handler.blocking(...) for a handler that blocks",
          t);
    }
    return t;
  }

  /** Unexpected handler exceptions are logged with their trace; refusals at debug level. */
  static void logHandlerFailure(String route, Throwable t) {
    String where = route.isEmpty() ? "handler" : "handler for route '" + route + "'";
    if (t instanceof CommunicaException) {
      log.debug("{} refused: {}", where, t.toString());
    } else {
      log.warn("{} failed: {}", where, t.toString(), t);
    }
  }

  private void replyError(int id, Throwable t) {
    // a long message can exceed the peer's frame size: errors are fragmented like replies
    session.out.writeMessage(errorFrame(id, t), null);
  }

  /** The ERROR frame answering request {@code id} with {@code t} (any thread). */
  ByteBuf errorFrame(int id, Throwable t) {
    return ErrorCodes.errorFrame(session.alloc(), id, t);
  }

  /** Encodes a reply frame (any thread); a value that cannot be encoded or is too large becomes an error. */
  ByteBuf encodeReply(int id, @Nullable Object value, Serializer serializer) {
    ByteBuf frame;
    try {
      frame = Frames.message(session.alloc(), FrameType.RESPONSE, id, RouteIndex.NONE, value, serializer);
    } catch (Throwable t) {
      log.warn("cannot encode the reply to request {} from {}", id, session.describe(), t);
      return ErrorCodes.errorFrame(
          session.alloc(),
          id,
          new ResponderException(
              "the responder cannot encode its reply: " + t.getMessage(),
              ResponderException.UNENCODABLE_REPLY));
    }
    int size = FrameHeader.payloadLength(frame);
    int limit = session.sendLimit();
    if (size > limit) {
      frame.release();
      return ErrorCodes.errorFrame(session.alloc(), id, MessageTooLargeException.of(size, limit));
    }
    return frame;
  }

  /** Queues the reply (from any thread) of a call that was registered in {@link #inbound}. */
  void sendReply(InboundCall call) {
    if (!session.out.submit(call)) {
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
    session.out.writeMessage(frame, null);
  }

  /** Loop: the connection closed; calls still running are cancelled. */
  void close() {
    for (InboundCall call : inbound.values()) {
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
