package io.communica.core.internal.session;

import io.communica.core.CallContext;
import io.communica.core.Serializer;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.util.context.Context;

/**
 * Subscribes to a reactive handler's publisher and answers with its first value. A CANCEL cancels
 * the subscription, which disposes what the handler started.
 */
final class ReactiveCall extends InboundCall implements CoreSubscriber<Object> {

  private volatile @Nullable Subscription upstream;
  private volatile boolean cancelled;
  private boolean done;
  private final Session session;
  private @Nullable Context context;

  ReactiveCall(
      Responder responder,
      Session session,
      int id,
      boolean wantsReply,
      String route,
      Serializer serializer,
      Map<String, String> metadata,
      @Nullable CallRecord record) {
    super(responder, id, wantsReply, route, serializer, metadata, record);
    this.session = session;
  }

  /** The handler's publisher sees the call's {@link CallContext}, made when first asked for. */
  @Override
  public Context currentContext() {
    Context c = context;
    if (c == null) {
      c = Context.of(CallContext.class, new CallContext(route, metadata, session.peerId()));
      context = c;
    }
    return c;
  }

  @Override
  public void onSubscribe(Subscription s) {
    upstream = s;
    if (cancelled) {
      s.cancel();
    } else {
      s.request(1);
    }
  }

  @Override
  public void onNext(Object value) {
    if (done) {
      Payloads.discard(value);
      return;
    }
    done = true;
    Subscription s = upstream;
    if (s != null) {
      s.cancel(); // a Flux may have more; the reply is the first value
    }
    complete(value);
  }

  @Override
  public void onError(Throwable t) {
    if (done) {
      return;
    }
    done = true;
    completeError(t);
  }

  @Override
  public void onComplete() {
    if (done) {
      return;
    }
    done = true;
    complete(null);
  }

  @Override
  void cancel() {
    cancelled = true;
    Subscription s = upstream;
    if (s != null) {
      s.cancel();
    }
  }
}
