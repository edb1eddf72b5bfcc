package io.communica.core;

import org.jspecify.annotations.Nullable;

/**
 * The connection that carried a request closed before the reply came, or the entity was closed.
 * Stream transports deliver at most once, so the request may or may not have been handled.
 *
 * <p>It has no stack trace: a peer going away is an expected event, and the trace would only show
 * the event loop.
 *
 * @since 0.1
 */
public final class ConnectionLostException extends TransportException {

  /** Fixed code of this type. */
  public static final int CODE = 1;

  /** Made by communica (and transport modules); users catch it. */
  public ConnectionLostException(String message) {
    this(message, null);
  }

  /** Made by communica (and transport modules); users catch it. */
  public ConnectionLostException(String message, @Nullable Throwable cause) {
    super(message, CODE, cause, false);
  }
}
