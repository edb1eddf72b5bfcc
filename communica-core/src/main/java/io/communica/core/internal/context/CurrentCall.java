package io.communica.core.internal.context;

import io.netty.util.concurrent.FastThreadLocal;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The call being dispatched on this thread, which {@code CallContext.current()} reads: kept as raw
 * parts so that setting it costs no allocation; the public context object is built only when a
 * handler asks for it, and kept here for the rest of the call. Depends on no other core package,
 * so that the public types and the session can both use it.
 */
public final class CurrentCall {

  /** What knows the id of the peer that made the call (the session). */
  public interface Peer {
    @Nullable String peerId();
  }

  private static final FastThreadLocal<CurrentCall> CURRENT =
      new FastThreadLocal<>() {
        @Override
        protected CurrentCall initialValue() {
          return new CurrentCall();
        }
      };

  private @Nullable String route;
  private Map<String, String> metadata = Map.of();
  private @Nullable Peer peer;
  private @Nullable Object built;

  private CurrentCall() {}

  /** This thread's call, or null outside one. */
  public static @Nullable CurrentCall get() {
    CurrentCall c = CURRENT.get();
    return c.route == null ? null : c;
  }

  /** Sets this thread's call; {@link #exit} clears it. */
  public static CurrentCall enter(String route, Map<String, String> metadata, Peer peer) {
    CurrentCall c = CURRENT.get();
    c.route = route;
    c.metadata = metadata;
    c.peer = peer;
    c.built = null;
    return c;
  }

  /** Clears this thread's call. */
  public void exit() {
    route = null;
    metadata = Map.of();
    peer = null;
    built = null;
  }

  public String route() {
    String r = route;
    return r != null ? r : "";
  }

  public Map<String, String> metadata() {
    return metadata;
  }

  public @Nullable String peerId() {
    Peer p = peer;
    return p != null ? p.peerId() : null;
  }

  /** The context object built for this call, if one was. */
  public @Nullable Object built() {
    return built;
  }

  public void built(Object context) {
    built = context;
  }
}
