package io.communica.core.intercept;

/**
 * How a call ended, as an interceptor sees it in {@link ClientInterceptor#onEnd} and {@link
 * ServerInterceptor#onEnd}.
 *
 * @since 0.2
 */
public enum Outcome {
  /**
   * The call succeeded: a request's reply arrived (client) or was sent (server), a message was
   * taken by the transport (client) or handled (server).
   */
  SUCCESS,
  /** The call failed; {@link CallInfo#error()} says with what. */
  ERROR,
  /** No reply, or no transport to take the message, within the call's timeout (client only). */
  TIMEOUT,
  /** The caller cancelled the call (client), or the requester cancelled it (server). */
  CANCELLED
}
