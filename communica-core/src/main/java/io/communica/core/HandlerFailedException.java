package io.communica.core;

/**
 * The remote handler threw something other than {@link RequestException} or {@link
 * ResponderException} (communica's {@code UnknownError}; not named so because {@code
 * java.lang.UnknownError} exists and would be caught by code that forgot the import).
 *
 * <p>The message names the original exception's type and message, e.g. {@code
 * java.lang.IllegalStateException: no stock}; {@link #remoteType()} gives the type alone.
 *
 * @since 0.1
 */
public final class HandlerFailedException extends CommunicaException {

  private final String remoteType;
  private final String remoteMessage;

  /**
   * Made by communica when an error reply arrives; users catch it. A handler that throws one
   * (relaying the failure of a call it made) answers with its {@link #remoteType()} and {@link
   * #remoteMessage()}, as if it had thrown the original exception.
   */
  public HandlerFailedException(String remoteType, String remoteMessage) {
    super(remoteType + ": " + remoteMessage, 0, null, true);
    this.remoteType = remoteType;
    this.remoteMessage = remoteMessage;
  }

  /** Fully qualified name of the exception the remote handler threw. */
  public String remoteType() {
    return remoteType;
  }

  /**
   * The message of the exception the remote handler threw, without its type.
   *
   * @since 0.1
   */
  public String remoteMessage() {
    return remoteMessage;
  }
}
