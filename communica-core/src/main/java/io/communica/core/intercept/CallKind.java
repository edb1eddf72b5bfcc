package io.communica.core.intercept;

/**
 * The interaction a call is. Streams will add kinds of their own; an interceptor that switches on
 * the kind should have a default branch.
 *
 * @since 0.2
 */
public enum CallKind {
  /** A request answered by one reply. */
  REQUEST,
  /** A fire-and-forget message, never answered. */
  FIRE_AND_FORGET,
  /**
   * A request-stream: it ends when its last item, its error or its cancel crossed; its duration is
   * the stream's life.
   *
   * @since 0.2
   */
  STREAM,
  /**
   * A channel: it ends when both directions ended, or with its error or cancel.
   *
   * @since 0.2
   */
  CHANNEL
}
