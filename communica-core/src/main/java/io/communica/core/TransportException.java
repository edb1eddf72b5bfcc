package io.communica.core;

import org.jspecify.annotations.Nullable;

/**
 * The message could not be carried: the connection is gone, the peer did not answer in time, the
 * handshake was refused, the message is too large or the sender is overloaded. Distinct from the
 * remote errors, which mean the peer answered "no".
 *
 * @since 0.1
 */
public abstract sealed class TransportException extends CommunicaException
    permits ConnectionLostException,
        RequestTimeoutException,
        HandshakeRefusedException,
        MessageTooLargeException,
        OverloadedException {

  TransportException(String message, int code, @Nullable Throwable cause, boolean stackTrace) {
    super(message, code, cause, stackTrace);
  }
}
