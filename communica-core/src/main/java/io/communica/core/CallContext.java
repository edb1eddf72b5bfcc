package io.communica.core;

import io.communica.core.internal.context.CurrentCall;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import reactor.util.context.ContextView;

/**
 * The call a handler serves: its route, the metadata that came with it (plus what server
 * interceptors added) and the peer that made it.
 *
 * <ul>
 *   <li>Blocking, consumer and non-blocking handlers read it with {@link #current()} while their
 *       function runs (a thread-local, set for the duration of the call).
 *   <li>Reactive handlers find it in the Reactor context of the {@code Mono} they return, under
 *       the key {@code CallContext.class}: {@code Mono.deferContextual(ctx ->
 *       ...CallContext.from(ctx)...)}. {@link #current()} works too, but only in the handler
 *       function itself, not in operators that run later.
 * </ul>
 *
 * <pre>{@code
 * Handler.blocking(Order.class, order -> {
 *   String tenant = CallContext.current().metadata("tenant").orElse("default");
 *   ...
 * });
 * Handler.reactive(String.class, key -> Mono.deferContextual(ctx ->
 *     cache.get(CallContext.from(ctx).metadata("tenant").orElse("default"), key)));
 * }</pre>
 *
 * @since 0.2
 */
public final class CallContext {

  /** The context outside any call: no route, no metadata, no peer. */
  public static final CallContext NONE = new CallContext("", Map.of(), null);

  private final String route;
  private final Map<String, String> metadata;
  private final @Nullable String peerId;

  /** A context; communica makes them for the calls it dispatches, tests may make their own. */
  public CallContext(String route, Map<String, String> metadata, @Nullable String peerId) {
    this.route = route;
    this.metadata = Map.copyOf(metadata);
    this.peerId = peerId;
  }

  /**
   * The call the current thread's handler serves; {@link #NONE} outside a handler (and in a
   * reactive handler's operators, which may run on other threads: use {@link #from}).
   */
  public static CallContext current() {
    CurrentCall call = CurrentCall.get();
    if (call == null) {
      return NONE;
    }
    if (call.built() instanceof CallContext built) {
      return built;
    }
    CallContext c = new CallContext(call.route(), call.metadata(), call.peerId());
    call.built(c);
    return c;
  }

  /** The call a reactive handler serves, from the Reactor context; {@link #NONE} outside one. */
  public static CallContext from(ContextView context) {
    return context.getOrDefault(CallContext.class, NONE);
  }

  /** The route; empty for a simple entity's handler. */
  public String route() {
    return route;
  }

  /** The metadata that came with the call; empty when none. Read-only. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** One metadata value. */
  public Optional<String> metadata(String key) {
    return Optional.ofNullable(metadata.get(key));
  }

  /** On a server, the id of the client that made the call; on a client, the server's id. */
  public @Nullable String peerId() {
    return peerId;
  }

  @Override
  public String toString() {
    return "CallContext[route='" + route + "', metadata=" + metadata + ", peer=" + peerId + "]";
  }
}
