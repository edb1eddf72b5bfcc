package io.communica.hub;

import io.communica.core.RequestException;

/**
 * The codes of the {@link RequestException}s the hub answers with. They lie in -100 to -199, the
 * range PROTOCOL.md reserves for communica-hub; applications use 0 and up.
 *
 * @since 0.3
 */
public final class HubCodes {

  /** No event of that name exists (never created, or dissolved). */
  public static final int UNKNOWN_EVENT = -101;

  /**
   * The node may not do this: emit a SINGLE event it did not create, emit a MULTI event it neither
   * created nor subscribes to, dissolve an event of another node.
   */
  public static final int NO_RIGHT = -102;

  /** No node has that id, or no node that pid. */
  public static final int UNKNOWN_NODE = -103;

  /**
   * A limit was exceeded: a name over 256 UTF-8 bytes, data over the hub's largest, or the node's
   * cap of events or subscriptions; the message names the limit.
   */
  public static final int LIMIT = -104;

  /** An event of that name exists already; the message names its owner. */
  public static final int EVENT_EXISTS = -105;

  /** More than one node has that process id; address it by node id. */
  public static final int AMBIGUOUS_PID = -106;

  /** A subscription with {@link Overflow#ERROR} overflowed and was ended. */
  public static final int OVERFLOW = -107;

  /** The largest event name, in UTF-8 bytes. */
  public static final int MAX_NAME_BYTES = 256;

  private HubCodes() {}
}
