package io.communica.core;

import org.jspecify.annotations.Nullable;

/**
 * The requester's fault: bad data, an unknown route, a request the handler refuses (communica's
 * {@code ReqError}).
 *
 * <p>A handler throws it to refuse a request; the requester's {@code Mono} then fails with a
 * {@code RequestException} with the same message and code. communica raises it itself with the
 * codes {@link #UNKNOWN_ROUTE}, {@link #INVALID_DATA} and {@link #METADATA_TOO_LARGE}.
 *
 * @since 0.1
 */
public final class RequestException extends CommunicaException {

  /** Code of the error for a request to a route that has no handler. */
  public static final int UNKNOWN_ROUTE = -1;

  /** Code of the error for request data the responder could not decode or validate. */
  public static final int INVALID_DATA = -2;

  /**
   * Code of the error for a call whose metadata exceeds the responder's limit of 8 KiB (a sender
   * checks the limit itself; this reaches only calls from senders that do not).
   */
  public static final int METADATA_TOO_LARGE = -5;

  /**
   * The route's handler answers another interaction: a stream requested of a request handler, a
   * request of a stream handler, a channel of a stream handler, and so on.
   *
   * @since 0.2
   */
  public static final int WRONG_INTERACTION = -6;

  /** A request error with code 0. */
  public RequestException(String message) {
    this(message, 0);
  }

  /** A request error with a code of the application's choosing. */
  public RequestException(String message, int code) {
    this(message, code, null);
  }

  /** A request error with a code and a local cause (the cause does not cross the wire). */
  public RequestException(String message, int code, @Nullable Throwable cause) {
    super(message, code, cause, true);
  }
}
