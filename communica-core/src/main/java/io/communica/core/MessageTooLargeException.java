package io.communica.core;

/**
 * An encoded message is larger than the maximum message size (the smaller of the two peers'
 * limits). Raised on the sender before anything is sent; the connection stays usable.
 *
 * @since 0.1
 */
public final class MessageTooLargeException extends TransportException {

  /** Fixed code of this type. */
  public static final int CODE = 4;

  /** Made by communica; users catch it. */
  public MessageTooLargeException(String message) {
    super(message, CODE, null, true);
  }

  /** The message for an encoded size over a limit. */
  public static MessageTooLargeException of(long size, long limit) {
    return new MessageTooLargeException(
        "message of " + size + " bytes exceeds the maximum message size of " + limit + " bytes");
  }
}
