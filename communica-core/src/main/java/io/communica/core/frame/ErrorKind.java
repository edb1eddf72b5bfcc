package io.communica.core.frame;

/**
 * The codes in a frame's error-kind field: the kind of an ERROR reply, the reason of a REFUSE, the
 * code of a CLOSE. Which exception a requester sees for each ERROR kind is in {@code
 * docs/PROTOCOL.md}.
 *
 * @since 0.2
 */
public final class ErrorKind {

  // ERROR frames
  /** The requester's fault. */
  public static final int REQUEST = 1;
  /** The responder's fault. */
  public static final int RESPONDER = 2;
  /** The handler threw something else; the payload names its type. */
  public static final int HANDLER_FAILED = 3;
  /** The responder could not encode its reply. */
  public static final int SERIALIZATION = 4;
  /** No handler for the route. */
  public static final int UNKNOWN_ROUTE = 5;
  /** The reply exceeds the maximum message size. */
  public static final int MESSAGE_TOO_LARGE = 6;
  /** The responder is overloaded. */
  public static final int OVERLOADED = 7;

  // REFUSE frames
  /** The client speaks another protocol version. */
  public static final int REFUSE_VERSION = 1;
  /** The authenticator or the transport's admission check refused the client. */
  public static final int REFUSE_AUTH = 2;
  /** Anything else, e.g. a malformed client id. */
  public static final int REFUSE_OTHER = 3;
  /**
   * The client id has a live connection and the HELLO did not present that connection's resume
   * token. Retryable: the id is free once the old connection closes or is found dead.
   */
  public static final int REFUSE_ID_IN_USE = 4;

  // CLOSE frames
  /** A clean close; the text says why. */
  public static final int CLOSE_NORMAL = 0;
  /** The peer broke the protocol; the text says how. */
  public static final int CLOSE_PROTOCOL_ERROR = 1;
  /** Nothing arrived from the peer for the keep-alive timeout. */
  public static final int CLOSE_KEEP_ALIVE_TIMEOUT = 2;
  /** This side failed (an exception while handling the connection); the text names it. */
  public static final int CLOSE_INTERNAL_ERROR = 3;
  /**
   * This side's memory budget is exhausted and this connection held the most of it; the text says
   * how much.
   */
  public static final int CLOSE_OVERLOADED = 4;

  private ErrorKind() {}
}
