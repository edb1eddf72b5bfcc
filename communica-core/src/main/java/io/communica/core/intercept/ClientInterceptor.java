package io.communica.core.intercept;

/**
 * Sees every call this entity makes (requests and fire-and-forget messages it sends, whatever
 * side of the connection it is on): installed with {@code .interceptor(...)} on the entity's
 * builder, called in the order installed. An interceptor may add metadata or fail a call; it never
 * sees or changes the payload. With none installed a call costs what it cost without them.
 *
 * <pre>{@code
 * ClientInterceptor tenant = new ClientInterceptor() {
 *   public void onStart(CallInfo call) { call.putMetadata("tenant", currentTenant()); }
 * };
 * RouteClient client = RouteClient.builder(connector).interceptor(tenant).build();
 * }</pre>
 *
 * @since 0.2
 */
public interface ClientInterceptor {

  /**
   * The call is about to be encoded and sent; on the thread that subscribed to its {@code Mono}.
   * May add metadata with {@link CallInfo#putMetadata}. Throwing fails the call with what was
   * thrown, before anything is sent.
   */
  default void onStart(CallInfo call) {}

  /**
   * The call ended, once, with {@link CallInfo#outcome()} and {@link CallInfo#durationNanos()}
   * set; on whatever thread ended it (the connection's I/O thread, a timer, the canceller), so it
   * must be quick and must not block. Called for every installed interceptor, also when an
   * earlier {@code onStart} failed the call. What it throws is logged and ignored.
   */
  default void onEnd(CallInfo call) {}
}
