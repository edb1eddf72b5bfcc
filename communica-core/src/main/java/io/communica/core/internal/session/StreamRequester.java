package io.communica.core.internal.session;

import io.communica.core.frame.ControlFrames;
import io.communica.core.frame.FrameType;
import io.netty.buffer.ByteBuf;
import io.netty.util.collection.IntObjectHashMap;
import java.util.ArrayList;
import java.util.List;

/**
 * The streams and channels this side opened on a session, by id, and the frames their responders
 * send (flag RESPONDER): items, completion, errors, credits for a channel's input, and the cancel
 * of a channel's input. Ids come from the {@link Requester}, so a stream and a request never share
 * one. Loop only.
 */
final class StreamRequester {

  private final Session session;
  /** The shared empty map until the first stream (see {@link IntMaps}). */
  private IntObjectHashMap<StreamCall<?>> streams = IntMaps.empty();

  StreamRequester(Session session) {
    this.session = session;
  }

  /** Whether a stream in flight has this id (the requester's ids avoid it). */
  boolean uses(int id) {
    return !streams.isEmpty() && streams.containsKey(id);
  }

  int count() {
    return streams.size();
  }

  void add(StreamCall<?> call) {
    streams = IntMaps.writable(streams, 4);
    streams.put(call.id, call);
  }

  /** A NEXT from the responder. */
  void onNext(int id, int flags, int contentType, ByteBuf payload) {
    StreamCall<?> c = streams.get(id);
    if (c == null) {
      return; // late: the stream was cancelled
    }
    c.touched();
    if (!c.onItem(flags, contentType, payload)) {
      session.protocolError("stream " + id + " received more items than it granted credits");
    }
  }

  /** A COMPLETE from the responder. */
  void onComplete(int id) {
    StreamCall<?> c = streams.get(id);
    if (c != null && c.outputCompleted()) {
      forget(c);
    }
  }

  /** An ERROR that answers no request: false when it answers no stream either. */
  boolean onError(int id, int kind, ByteBuf payload) {
    StreamCall<?> c = streams.get(id);
    if (c == null) {
      return false;
    }
    forget(c);
    c.onRemoteEnd(ErrorCodes.read(kind, payload.duplicate()));
    return true;
  }

  /** A REQUEST_N from the responder of a channel: credits for its input. */
  void onRequestN(int id, int n) {
    StreamCall<?> c = streams.get(id);
    if (c != null) {
      c.inputCredits(n);
    }
  }

  /** A CANCEL from the responder of a channel: it wants no more input. */
  void onCancel(int id) {
    StreamCall<?> c = streams.get(id);
    if (c != null) {
      c.inputCancelled();
      forgetIfDone(c);
    }
  }

  /** The caller gave up (cancel, timeout, an undecodable item): tells the responder. */
  void cancel(StreamCall<?> c) {
    if (streams.get(c.id) == c && session.isEstablished()) {
      forget(c);
      session.out.writeFrame(
          ControlFrames.streamSignal(session.alloc(), FrameType.CANCEL, c.id, false), null);
      session.out.afterDirectWrite();
    } else {
      c.closed();
    }
  }

  void forgetIfDone(StreamCall<?> c) {
    if (c.isDone()) {
      forget(c);
    }
  }

  private void forget(StreamCall<?> c) {
    if (streams.get(c.id) == c) {
      streams.remove(c.id);
    }
    c.closed();
  }

  /** The connection closed: every stream ends with {@code error} after the items it received. */
  void failAll(Throwable error) {
    List<StreamCall<?>> open = new ArrayList<>(streams.values());
    streams.clear();
    for (StreamCall<?> c : open) {
      c.closed();
      c.onRemoteEnd(error);
    }
  }
}
