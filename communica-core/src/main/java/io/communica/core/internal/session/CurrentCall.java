package io.communica.core.internal.session;

import io.communica.core.CallContext;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What {@link CallContext#current()} reads: the call being dispatched on this thread, kept as the
 * raw parts so that setting it costs no allocation; the {@link CallContext} is built only when a
 * handler asks for it.
 */
public final class CurrentCall {

  private static final FastThreadLocal<CurrentCall> CURRENT =
      new FastThreadLocal<>() {
        @Override
        protected CurrentCall initialValue() {
          return new CurrentCall();
        }
      };

  private @Nullable String route;
  private Map<String, String> metadata = Map.of();
  private @Nullable Session session;
  private @Nullable CallContext built;

  private CurrentCall() {}

  /** The context of the call on this thread, or null outside one. */
  public static @Nullable CallContext get() {
    CurrentCall c = CURRENT.get();
    if (c.route == null) {
      return null;
    }
    CallContext b = c.built;
    if (b == null) {
      b = context(c.route, c.metadata, c.session);
      c.built = b;
    }
    return b;
  }

  static CallContext context(String route, Map<String, String> metadata, @Nullable Session s) {
    return new CallContext(route, metadata, s != null ? s.peerId() : null);
  }

  /** Sets this thread's call; returns the holder for {@link #exit}. */
  static CurrentCall enter(String route, Map<String, String> metadata, Session session) {
    CurrentCall c = CURRENT.get();
    c.route = route;
    c.metadata = metadata;
    c.session = session;
    c.built = null;
    return c;
  }

  /** Clears this thread's call. */
  void exit() {
    route = null;
    metadata = Map.of();
    session = null;
    built = null;
  }
}
