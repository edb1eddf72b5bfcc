package io.communica.core.internal;

import io.communica.core.internal.session.Outbound;

/** What timeout and fail-fast errors say, so that each names the setting that changes it. */
final class FailFast {

  /** Appended to every timeout message. */
  static final String TIMEOUT_HINT = Outbound.TIMEOUT_HINT;

  /** Appended to the timeout of a call that waited for a connection. */
  static final String WAIT_HINT =
      "; failFast(true) on the builder or CallOptions.withFailFast(true) per call fails at once"
          + " instead of waiting";

  private FailFast() {}

  /** The error of a fail-fast call made while {@code what} is missing. */
  static String message(String what) {
    return "no " + what + ", and the call is fail-fast: it does not wait for one";
  }
}
