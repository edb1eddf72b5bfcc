package io.communica.core;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Settings of one call, given to any request or fire-and-forget method in place of the entity's
 * defaults. Immutable; each {@code with...} method returns a new value.
 *
 * <pre>{@code
 * client.request("add", req, AddReply.class, CallOptions.timeout(Duration.ofSeconds(2)));
 * client.fireAndForget("log", line, CallOptions.DEFAULT.withFailFast(true));
 * }</pre>
 *
 * <p>An unset setting takes the entity's value, set on its builder ({@link
 * EntityBuilder#requestTimeout}, {@link EntityBuilder#failFast}).
 *
 * @since 0.1
 */
public final class CallOptions {

  /** Every setting from the entity. */
  public static final CallOptions DEFAULT = new CallOptions(null, null);

  private final @Nullable Duration timeout;
  private final @Nullable Boolean failFast;

  private CallOptions(@Nullable Duration timeout, @Nullable Boolean failFast) {
    this.timeout = timeout;
    this.failFast = failFast;
  }

  /** Options with this call's own timeout. */
  public static CallOptions timeout(Duration timeout) {
    return DEFAULT.withTimeout(timeout);
  }

  /**
   * How long the call may take: waiting for a connection, for the transport to take it and, for a
   * request, for its reply. A call that takes longer fails with {@link RequestTimeoutException}.
   */
  public CallOptions withTimeout(Duration timeout) {
    return new CallOptions(EntityBuilder.positive(timeout, "timeout"), failFast);
  }

  /**
   * Whether the call fails at once, with {@link ConnectionLostException} naming the last
   * connection error, when there is no connection to send it on (a client that is not connected,
   * a server without the client asked for), instead of waiting for one within its timeout.
   */
  public CallOptions withFailFast(boolean failFast) {
    return new CallOptions(timeout, failFast);
  }

  /** This call's timeout, or null for the entity's. */
  public @Nullable Duration timeout() {
    return timeout;
  }

  /** This call's fail-fast setting, or null for the entity's. */
  public @Nullable Boolean failFast() {
    return failFast;
  }

  Duration timeoutOr(Duration entityDefault) {
    return timeout != null ? timeout : entityDefault;
  }

  boolean failFastOr(boolean entityDefault) {
    return failFast != null ? failFast : entityDefault;
  }

  static CallOptions check(CallOptions options) {
    return requireNonNull(options, "options");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CallOptions other
        && Objects.equals(timeout, other.timeout)
        && Objects.equals(failFast, other.failFast);
  }

  @Override
  public int hashCode() {
    return Objects.hash(timeout, failFast);
  }

  @Override
  public String toString() {
    return "CallOptions[timeout=" + (timeout != null ? timeout : "entity's")
        + ", failFast=" + (failFast != null ? failFast : "entity's") + "]";
  }
}
