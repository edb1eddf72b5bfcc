package io.communica.core.internal.session;

import io.netty.buffer.ByteBuf;
import io.communica.core.internal.context.CurrentCall;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * A blocking handler's run on the blocking scheduler: the request payload is decoded there, the
 * handler called, the reply encoded there. A CANCEL disposes the task, which interrupts the thread
 * when the handler is running.
 */
final class BlockingCall extends InboundCall implements Runnable {

  private final RouteIndex.Entry entry;
  private final int flags;
  private final int contentType;
  /** The payload, reserved from the session's memory budget until released. */
  private final ByteBuf payload;
  private final int size;
  private final AtomicBoolean claimed = new AtomicBoolean();
  private volatile @Nullable Disposable task;

  BlockingCall(
      Responder responder,
      int id,
      boolean wantsReply,
      RouteIndex.Entry entry,
      int flags,
      int contentType,
      ByteBuf payload,
      Map<String, String> metadata,
      @Nullable CallRecord record) {
    super(responder, id, wantsReply, entry.route(), entry.serializer(), metadata, record);
    this.entry = entry;
    this.flags = flags;
    this.contentType = contentType;
    this.payload = payload;
    this.size = payload.readableBytes();
  }

  void start(Scheduler scheduler) {
    task = scheduler.schedule(this);
  }

  void start(Scheduler.Worker worker) {
    task = worker.schedule(this);
  }

  void releasePayload() {
    if (claimed.compareAndSet(false, true)) {
      release();
    }
  }

  private void release() {
    payload.release();
    responder.session().account.release(size);
  }

  @Override
  public void run() {
    if (!claimed.compareAndSet(false, true)) {
      return; // cancelled before it started
    }
    Object result;
    Object data = null;
    CurrentCall current = CurrentCall.enter(route, metadata, responder.session());
    try {
      data = entry.decodeRequest(flags, contentType, payload, responder.session().account);
      result = entry.handler().invoke(data);
    } catch (Throwable t) {
      Payloads.discard(data);
      completeError(t);
      return;
    } finally {
      current.exit();
      release();
    }
    complete(result);
  }

  @Override
  void cancel() {
    if (claimed.compareAndSet(false, true)) {
      release();
    }
    Disposable t = task;
    if (t != null) {
      t.dispose();
    }
  }
}
