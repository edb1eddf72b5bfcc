package io.communica.core;

import static java.util.Objects.requireNonNull;

import io.communica.core.frame.MetadataCodec;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Settings of one call, given to any request or fire-and-forget method in place of the entity's
 * defaults. Immutable; each {@code with...} method returns a new value.
 *
 * <pre>{@code
 * client.request("add", req, AddReply.class, CallOptions.timeout(Duration.ofSeconds(2)));
 * client.fireAndForget("log", line, CallOptions.DEFAULT.withFailFast(true));
 * client.request("add", req, AddReply.class, CallOptions.metadata("tenant", "acme"));
 * }</pre>
 *
 * <p>An unset setting takes the entity's value, set on its builder ({@link
 * EntityBuilder#requestTimeout}, {@link EntityBuilder#failFast}).
 *
 * @since 0.1
 */
public final class CallOptions {

  /** Every setting from the entity. */
  public static final CallOptions DEFAULT = new CallOptions(null, null, Map.of());

  private final @Nullable Duration timeout;
  private final @Nullable Boolean failFast;
  private final Map<String, String> metadata;

  private CallOptions(
      @Nullable Duration timeout, @Nullable Boolean failFast, Map<String, String> metadata) {
    this.timeout = timeout;
    this.failFast = failFast;
    this.metadata = metadata;
  }

  /** Options carrying one metadata entry. */
  public static CallOptions metadata(String key, String value) {
    return DEFAULT.withMetadata(key, value);
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
    return new CallOptions(EntityBuilder.positive(timeout, "timeout"), failFast, metadata);
  }

  /**
   * Whether the call fails at once, with {@link ConnectionLostException} naming the last
   * connection error, when there is no connection to send it on (a client that is not connected,
   * a server without the client asked for), instead of waiting for one within its timeout.
   */
  public CallOptions withFailFast(boolean failFast) {
    return new CallOptions(timeout, failFast, metadata);
  }

  /**
   * Metadata sent with the call beside its payload (in place of any set before): string pairs the
   * handler reads from its {@link CallContext} and interceptors see, e.g. a trace context or a
   * tenant. Client interceptors may add more. At most 8 KiB encoded (each pair costs 4 bytes plus
   * its key and value in UTF-8); the peer must support metadata (protocol capability {@code
   * request-metadata}), else the call fails with {@link UnsupportedOperationException}.
   *
   * @throws IllegalArgumentException if the metadata exceeds 8 KiB encoded or a key is empty
   */
  public CallOptions withMetadata(Map<String, String> metadata) {
    Map<String, String> copy = new LinkedHashMap<>();
    metadata.forEach(
        (k, v) -> copy.put(requireNonNull(k, "metadata key"), requireNonNull(v, "metadata value")));
    MetadataCodec.check(copy);
    return new CallOptions(timeout, failFast, Collections.unmodifiableMap(copy));
  }

  /** These options with one more metadata entry (replacing one with the same key). */
  public CallOptions withMetadata(String key, String value) {
    Map<String, String> copy = new LinkedHashMap<>(metadata);
    copy.put(requireNonNull(key, "key"), requireNonNull(value, "value"));
    return withMetadata(copy);
  }

  /** This call's metadata; empty when none was set. */
  public Map<String, String> metadata() {
    return metadata;
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
        && Objects.equals(failFast, other.failFast)
        && metadata.equals(other.metadata);
  }

  @Override
  public int hashCode() {
    return Objects.hash(timeout, failFast, metadata);
  }

  @Override
  public String toString() {
    return "CallOptions[timeout=" + (timeout != null ? timeout : "entity's")
        + ", failFast=" + (failFast != null ? failFast : "entity's")
        + (metadata.isEmpty() ? "" : ", metadata=" + metadata) + "]";
  }
}
