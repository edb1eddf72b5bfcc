package io.communica.core.intercept;

/**
 * Sees every call this entity serves (requests and fire-and-forget messages its handlers receive,
 * whatever side of the connection it is on): installed with {@code .interceptor(...)} on the
 * entity's builder, called in the order installed. An interceptor may read and add metadata (the
 * handler sees what it added) or refuse the call; it never sees or changes the payload. With none
 * installed a call costs what it cost without them.
 *
 * @since 0.2
 */
public interface ServerInterceptor {

  /**
   * A call arrived, before its handler runs; on the connection's I/O thread, so it must not block.
   * Throwing refuses the call: the requester gets what was thrown as for a handler that threw it
   * (a {@code RequestException} with its code, say), and the connection stays open. Also called
   * for calls to a route without handler, which then end with an error.
   */
  default void onStart(CallInfo call) {}

  /**
   * The call ended, once: its reply or error was handed to the connection, the message handler
   * returned, or the requester cancelled. On whatever thread ended it; must be quick and must not
   * block. Called for every installed interceptor; what it throws is logged and ignored.
   */
  default void onEnd(CallInfo call) {}
}
