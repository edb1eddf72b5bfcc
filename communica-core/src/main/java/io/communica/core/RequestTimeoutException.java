package io.communica.core;

/**
 * No reply within the request's timeout (or, for a request made while disconnected, no connection
 * within it). The responder is sent a cancel frame, so a reactive handler still running there is
 * disposed.
 *
 * @since 0.1
 */
public final class RequestTimeoutException extends TransportException {

  /** Fixed code of this type. */
  public static final int CODE = 2;

  /** Made by communica; users catch it. */
  public RequestTimeoutException(String message) {
    super(message, CODE, null, false);
  }
}
