package io.communica.hub;

/**
 * A node joining or leaving the hub; see {@link Node#nodeEvents()}.
 *
 * @param type what happened
 * @param node the node
 * @since 0.3
 */
public record NodeEvent(Type type, NodeInfo node) {

  /** What happened. */
  public enum Type {
    /** The node connected for the first time (or again after it had left). */
    JOINED,
    /** The node left: it closed, or its reconnect window passed without it coming back. */
    LEFT
  }
}
