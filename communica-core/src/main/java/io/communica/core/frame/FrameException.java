package io.communica.core.frame;

/**
 * Bytes from the network that do not form valid frames: the single error type every frame decoder
 * throws. The message says what is wrong; the connection that carried the bytes is closed.
 *
 * @since 0.2
 */
public final class FrameException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public FrameException(String message) {
    super(message);
  }
}
