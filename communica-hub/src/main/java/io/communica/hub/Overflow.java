package io.communica.hub;

/**
 * What a subscription's buffer on the hub does when it is full because its subscriber is slower
 * than the emitters (or disconnected). Every event lost is counted; the count reaches the
 * subscriber in {@link Event#dropped()}.
 *
 * @since 0.3
 */
public enum Overflow {
  /** Drop the oldest buffered event to make room for the new one: the subscriber sees the latest. */
  DROP_OLDEST,
  /** Drop the new event: the subscriber sees the oldest, in order, with a gap at the end. */
  DROP_NEWEST,
  /**
   * End the subscription: the subscriber's {@code Flux} fails with a {@code RequestException} of
   * code {@link HubCodes#OVERFLOW} after the events buffered before.
   */
  ERROR
}
