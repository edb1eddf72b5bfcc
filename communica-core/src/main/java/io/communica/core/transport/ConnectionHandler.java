package io.communica.core.transport;

/**
 * Called by a transport for each new connection, on that connection's loop and before any frame of
 * it is delivered; returns the listener that receives its frames.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface ConnectionHandler {

  /** Sets up a new connection and returns its listener. */
  FrameListener onConnection(FrameConnection connection);
}
