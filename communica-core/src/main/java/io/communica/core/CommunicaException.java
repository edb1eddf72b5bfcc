package io.communica.core;

import org.jspecify.annotations.Nullable;

/**
 * Base of every exception communica raises. Unchecked and sealed: a caller can tell "the peer said
 * no" ({@link RequestException}, {@link ResponderException}, {@link HandlerFailedException},
 * {@link SerializationException}) from "the peer is gone or unreachable" ({@link
 * TransportException} and its subtypes) with one {@code instanceof} or pattern switch.
 *
 * <p>Every exception carries a {@link #code()}. For the remote errors it is the code the handler
 * gave (0 when it gave none); for transport errors it is a fixed value per type.
 *
 * @since 0.1
 */
public abstract sealed class CommunicaException extends RuntimeException
    permits RequestException,
        ResponderException,
        HandlerFailedException,
        SerializationException,
        TransportException {

  private final int code;

  CommunicaException(String message, int code, @Nullable Throwable cause, boolean stackTrace) {
    super(message, cause, true, stackTrace);
    this.code = code;
  }

  /** The error code: chosen by the handler for remote errors, fixed per type for the others. */
  public int code() {
    return code;
  }

  @Override
  public String toString() {
    String msg = getLocalizedMessage();
    return getClass().getName() + " (code " + code + ")" + (msg != null ? ": " + msg : "");
  }
}
