package io.communica.core;

import org.jspecify.annotations.Nullable;

/**
 * The responder's fault: the handler could not do what was asked although the request was good
 * (communica's {@code RespError}).
 *
 * <p>A handler throws it; the requester's {@code Mono} fails with a {@code ResponderException} with
 * the same message and code.
 *
 * @since 0.1
 */
public final class ResponderException extends CommunicaException {

  /**
   * The responder has no handler at all (a {@link SimpleClient} built without one, asked by its
   * server): communica's "did not define a handler".
   */
  public static final int NO_HANDLER = -3;

  /**
   * The handler returned a reply its serializer cannot encode; the responder logs the cause and
   * the message keeps "the responder cannot encode its reply".
   */
  public static final int UNENCODABLE_REPLY = -4;

  /** A responder error with code 0. */
  public ResponderException(String message) {
    this(message, 0);
  }

  /** A responder error with a code of the application's choosing. */
  public ResponderException(String message, int code) {
    this(message, code, null);
  }

  /** A responder error with a code and a local cause (the cause does not cross the wire). */
  public ResponderException(String message, int code, @Nullable Throwable cause) {
    super(message, code, cause, true);
  }
}
