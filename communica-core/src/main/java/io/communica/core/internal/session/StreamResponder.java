package io.communica.core.internal.session;

import io.communica.core.CallContext;
import io.communica.core.ConnectionLostException;
import io.communica.core.Handler;
import io.communica.core.OverloadedException;
import io.communica.core.RequestException;
import io.communica.core.frame.ControlFrames;
import io.communica.core.frame.FrameType;
import io.communica.core.intercept.CallKind;
import io.communica.core.intercept.ServerInterceptor;
import io.communica.core.internal.context.CurrentCall;
import io.netty.buffer.ByteBuf;
import io.netty.util.collection.IntObjectHashMap;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.util.context.Context;

/**
 * The streams and channels a peer opened on this side: runs their handlers, sends their items
 * within the credits the peer grants ({@link OutboundItems}), hands a channel's input to its
 * handler as a {@code Flux} ({@link InboundItems}), and takes the frames the requester sends
 * (no flag RESPONDER): credits, cancels, and a channel's items and completion. Loop only.
 */
final class StreamResponder {

  private final Session session;
  /** The shared empty map until the first stream (see {@link IntMaps}). */
  private IntObjectHashMap<Served> streams = IntMaps.empty();

  StreamResponder(Session session) {
    this.session = session;
  }

  /** Loop: a REQUEST_STREAM or REQUEST_CHANNEL ({@code channel}) for {@code entry}'s route. */
  void start(
      boolean channel, int id, int flags, int contentType, int credits, ByteBuf payload,
      Map<String, String> metadata, RouteIndex.Entry entry) {
    CallRecord record = null;
    ServerInterceptor[] interceptors = session.settings().serverInterceptors();
    if (interceptors.length != 0) {
      record =
          CallRecord.server(
              interceptors, channel ? CallKind.CHANNEL : CallKind.STREAM, entry.route(), metadata,
              payload.readableBytes(), session.peerId());
      try {
        record.start();
      } catch (RuntimeException e) {
        refuse(record, id, Replies.explain(e));
        return;
      }
      metadata = record.metadataForHandler();
    }
    if (streams.containsKey(id)) {
      session.protocolError("stream id " + id + " reused while its stream is open");
      return;
    }
    Handler h = entry.handler();
    Handler.Kind kind = h.kind();
    boolean fits =
        channel
            ? kind == Handler.Kind.CHANNEL
            : kind == Handler.Kind.STREAM || kind == Handler.Kind.BLOCKING_STREAM;
    if (!fits) {
      refuse(
          record,
          id,
          new RequestException(
              "route '" + entry.route() + "' has a " + kind.name().toLowerCase(java.util.Locale.ROOT)
                  + " handler, which does not answer " + (channel ? "channels" : "streams"),
              RequestException.WRONG_INTERACTION));
      return;
    }
    int max = session.settings().maxInFlight();
    if (streams.size() >= max) {
      refuse(record, id, new OverloadedException(max + " streams from this peer are already open"));
      return;
    }
    Served served = new Served(id, entry, metadata, record);
    Publisher<?> items;
    CurrentCall current = CurrentCall.enter(entry.route(), metadata, session);
    try {
      if (channel) {
        ChannelInput in = new ChannelInput(served, entry);
        served.input = in;
        items = (Publisher<?>) h.invoke(in.flux());
      } else {
        Object data = entry.decodeRequest(flags, contentType, payload, session.account);
        items =
            kind == Handler.Kind.STREAM
                ? (Publisher<?>) h.invoke(data)
                : blocking(h, data, entry.route(), metadata);
      }
    } catch (Throwable t) {
      current.exit();
      Throwable e = Replies.explain(t);
      Replies.logFailure(entry.route(), e);
      refuse(record, id, e);
      return;
    }
    streams = IntMaps.writable(streams, 4);
    streams.put(id, served);
    try {
      (items != null ? items : Flux.empty()).subscribe(served);
      if (credits > 0) {
        served.credits(credits);
      }
    } finally {
      current.exit();
    }
  }

  /** A blocking stream handler, run and iterated on the blocking scheduler. */
  private Publisher<?> blocking(
      Handler h, @Nullable Object data, String route, Map<String, String> metadata) {
    return Flux.defer(
            () -> {
              CurrentCall current = CurrentCall.enter(route, metadata, session);
              Object result;
              try {
                result = h.invoke(data);
              } finally {
                current.exit();
              }
              return items(result);
            })
        .subscribeOn(session.settings().blockingScheduler(), true);
  }

  private static Publisher<?> items(@Nullable Object result) {
    if (result == null) {
      return Flux.empty();
    }
    if (result instanceof Stream<?> s) {
      return Flux.fromStream(s);
    }
    if (result instanceof Iterable<?> i) {
      return Flux.fromIterable(i);
    }
    if (result instanceof Iterator<?> it) {
      return Flux.fromIterable(() -> it);
    }
    if (result instanceof Publisher<?> p) {
      return p;
    }
    throw new IllegalStateException(
        "a blocking stream handler returned a " + result.getClass().getName()
            + "; return a Stream, an Iterable or an Iterator");
  }

  private void refuse(@Nullable CallRecord record, int id, Throwable e) {
    if (record != null) {
      record.end(e);
    }
    session.out.writeMessage(Replies.error(session, id, e), null);
  }

  // ---------------------------------------------------------------- frames from the requester

  void onRequestN(int id, int n) {
    Served s = streams.get(id);
    if (s != null) {
      s.credits(n);
    }
  }

  /** A CANCEL: false when no stream has this id. */
  boolean onCancel(int id) {
    Served s = streams.remove(id);
    if (s == null) {
      return false;
    }
    s.cancelled();
    ChannelInput in = s.input;
    if (in != null) {
      in.onRemoteEnd(new CancellationException("the requester cancelled the channel"));
    }
    return true;
  }

  /** A NEXT of a channel's input. */
  void onNext(int id, int flags, int contentType, ByteBuf payload) {
    Served s = streams.get(id);
    ChannelInput in = s != null ? s.input : null;
    if (in != null && !s.inputDone && !in.onItem(flags, contentType, payload)) {
      session.protocolError("channel " + id + " received more items than it granted credits");
    }
  }

  /** A COMPLETE of a channel's input. */
  void onComplete(int id) {
    Served s = streams.get(id);
    ChannelInput in = s != null ? s.input : null;
    if (in != null && !s.inputDone) {
      s.inputDone = true;
      in.onRemoteEnd(null);
      forgetIfDone(s);
    }
  }

  private void forgetIfDone(Served s) {
    if (s.finished && s.inputDone && streams.get(s.id) == s) {
      streams.remove(s.id);
    }
  }

  /** The connection closed: every handler's publisher is cancelled, channel inputs fail. */
  void close() {
    List<Served> open = new ArrayList<>(streams.values());
    streams.clear();
    for (Served s : open) {
      s.cancelled();
      ChannelInput in = s.input;
      if (in != null) {
        in.onRemoteEnd(new ConnectionLostException("the connection closed"));
      }
    }
  }

  /** One stream or channel served: the handler's items going out. */
  private final class Served extends OutboundItems {
    final String route;
    final Map<String, String> metadata;
    private final @Nullable CallRecord record;
    @Nullable ChannelInput input;
    /** Loop: the channel's input ended or was cancelled; always true for a stream. */
    boolean inputDone;
    private @Nullable Context context;

    Served(
        int id, RouteIndex.Entry entry, Map<String, String> metadata, @Nullable CallRecord record) {
      super(StreamResponder.this.session, id, true, entry.serializer());
      this.route = entry.route();
      this.metadata = metadata;
      this.record = record;
      this.inputDone = true;
    }

    /** Loop: the requester cancelled, or the connection closed. */
    void cancelled() {
      if (record != null) {
        record.cancelled();
      }
      stop();
    }

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
    void ended(@Nullable Throwable error) {
      if (record != null) {
        record.end(error);
      }
      if (error == null) {
        session.out.writeFrame(
            ControlFrames.streamSignal(session.alloc(), FrameType.COMPLETE, id, true), null);
        forgetIfDone(this);
        return;
      }
      // an error ends both directions
      Throwable e = Replies.explain(error);
      Replies.logFailure(route, e);
      if (streams.get(id) == this) {
        streams.remove(id);
      }
      session.out.writeMessage(Replies.error(session, id, e), null);
      ChannelInput in = input;
      if (in != null) {
        inputDone = true;
        in.onRemoteEnd(e);
      }
    }
  }

  /** A channel's input: the requester's items, handed to the handler as a {@code Flux}. */
  private final class ChannelInput extends InboundItems<Object> {
    private final Served served;
    private final String route;

    ChannelInput(Served served, RouteIndex.Entry entry) {
      super(Credits.DEFAULT_WINDOW, entry.handler().requestType(), entry.serializer());
      this.served = served;
      this.route = entry.route();
      this.session = StreamResponder.this.session;
      served.inputDone = false;
    }

    Flux<Object> flux() {
      return new Flux<>() {
        @Override
        public void subscribe(reactor.core.CoreSubscriber<? super Object> a) {
          if (actual != null) {
            reactor.core.publisher.Operators.error(
                a, new IllegalStateException("a channel's input can be subscribed once"));
            return;
          }
          actual = a;
          a.onSubscribe(ChannelInput.this);
          drain();
        }
      };
    }

    @Override
    void sendCredits(Session s, int n) {
      s.out.writeFrame(ControlFrames.requestN(s.alloc(), served.id, n, true), null);
      s.out.afterDirectWrite();
    }

    @Override
    void cancelled() {
      session.execute(this::stopInput);
    }

    @Override
    void abandoned(io.communica.core.CommunicaException e) {
      stopInput();
    }

    /** Loop: the handler wants no more input: tells the requester. */
    private void stopInput() {
      if (served.inputDone || streams.get(served.id) != served) {
        return;
      }
      served.inputDone = true;
      session.out.writeFrame(
          ControlFrames.streamSignal(session.alloc(), FrameType.CANCEL, served.id, true), null);
      session.out.afterDirectWrite();
      forgetIfDone(served);
    }

    @Override
    String describe() {
      return " of the channel to route '" + route + "'";
    }
  }
}
