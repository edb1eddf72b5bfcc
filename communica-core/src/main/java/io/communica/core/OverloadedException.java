package io.communica.core;

/**
 * The sender has more queued than its bounds allow (bytes waiting for the transport, or requests
 * waiting for replies). Nothing was sent; the caller may retry later or slow down.
 *
 * @since 0.1
 */
public final class OverloadedException extends TransportException {

  /** Fixed code of this type. */
  public static final int CODE = 5;

  /** Made by communica; users catch it. */
  public OverloadedException(String message) {
    super(message, CODE, null, true);
  }
}
