package io.communica.core;

import org.jspecify.annotations.Nullable;

/**
 * Data could not be encoded, decoded or validated (communica's {@code SerializerError}).
 *
 * <p>Raised locally when a value cannot be encoded before sending or a reply cannot be decoded, and
 * received from the peer when it could not encode its reply. Request data that the responder cannot
 * decode reaches the requester as a {@link RequestException} with code {@link
 * RequestException#INVALID_DATA}, since it is the requester's fault.
 *
 * @since 0.1
 */
public final class SerializationException extends CommunicaException {

  /** A serialization error. */
  public SerializationException(String message) {
    this(message, null);
  }

  /** A serialization error with its local cause. */
  public SerializationException(String message, @Nullable Throwable cause) {
    super(message, 0, cause, true);
  }
}
