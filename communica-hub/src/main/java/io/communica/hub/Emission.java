package io.communica.hub;

/**
 * Who may emit an event.
 *
 * @since 0.3
 */
public enum Emission {
  /** Only the node that created the event. */
  SINGLE,
  /** The creator and every node subscribed to the event. */
  MULTI
}
