package io.communica.core.internal;

/** What timeout and fail-fast errors say, so that each names the setting that changes it. */
final class FailFast {

  /** Appended to every timeout message. */
  static final String TIMEOUT_HINT =
      " (set the timeout with requestTimeout(...) on the builder or CallOptions.timeout(...) per"
          + " call)";

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
