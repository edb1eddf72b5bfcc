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
  public static final CallOptions DEFAULT = new CallOptions(null, null, Map.of(), null, 0);

  /**
   * Items a stream keeps in flight and waiting per direction unless {@link #withStreamWindow}
   * says otherwise: 256.
   *
   * @since 0.2
   */
  public static final int DEFAULT_STREAM_WINDOW = 256;

  private final @Nullable Duration timeout;
  private final @Nullable Boolean failFast;
  private final Map<String, String> metadata;
  private final @Nullable Duration idleTimeout;
  private final int streamWindow;

  private CallOptions(
      @Nullable Duration timeout,
      @Nullable Boolean failFast,
      Map<String, String> metadata,
      @Nullable Duration idleTimeout,
      int streamWindow) {
    this.timeout = timeout;
    this.failFast = failFast;
    this.metadata = metadata;
    this.idleTimeout = idleTimeout;
    this.streamWindow = streamWindow;
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
    return new CallOptions(
        EntityBuilder.positive(timeout, "timeout"), failFast, metadata, idleTimeout, streamWindow);
  }

  /**
   * Whether the call fails at once, with {@link ConnectionLostException} naming the last
   * connection error, when there is no connection to send it on (a client that is not connected,
   * a server without the client asked for), instead of waiting for one within its timeout.
   */
  public CallOptions withFailFast(boolean failFast) {
    return new CallOptions(timeout, failFast, metadata, idleTimeout, streamWindow);
  }

  /**
   * For a stream or channel: how long the stream may go without an item while its subscriber
   * waits for one (it has requested more than it received), after the first item; a stream that
   * stays silent longer fails with {@link RequestTimeoutException} and is cancelled at the
   * responder. No idle timeout by default: a stream as a whole has no time limit, only its first
   * item (or completion) has the call's {@link #withTimeout timeout}.
   *
   * @since 0.2
   */
  public CallOptions withIdleTimeout(Duration idleTimeout) {
    return new CallOptions(
        timeout, failFast, metadata, EntityBuilder.positive(idleTimeout, "idleTimeout"),
        streamWindow);
  }

  /**
   * For a stream or channel: how many items this side lets the peer send ahead of its subscriber
   * (in flight and waiting in its queue), {@value #DEFAULT_STREAM_WINDOW} by default; credits are
   * granted again each time the subscriber took half of them. The memory a stream may hold is
   * about the window times the item size: lower it for large items.
   *
   * @throws IllegalArgumentException unless 1 to 65535
   * @since 0.2
   */
  public CallOptions withStreamWindow(int items) {
    if (items < 1 || items > 65535) {
      throw new IllegalArgumentException("stream window must be 1 to 65535 items, not " + items);
    }
    return new CallOptions(timeout, failFast, metadata, idleTimeout, items);
  }

  /** This call's idle timeout for a stream, or null for none. */
  public @Nullable Duration idleTimeout() {
    return idleTimeout;
  }

  /** This call's stream window: {@value #DEFAULT_STREAM_WINDOW} unless set. */
  public int streamWindow() {
    return streamWindow == 0 ? DEFAULT_STREAM_WINDOW : streamWindow;
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
    return new CallOptions(
        timeout, failFast, Collections.unmodifiableMap(copy), idleTimeout, streamWindow);
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
        && metadata.equals(other.metadata)
        && Objects.equals(idleTimeout, other.idleTimeout)
        && streamWindow == other.streamWindow;
  }

  @Override
  public int hashCode() {
    return Objects.hash(timeout, failFast, metadata, idleTimeout, streamWindow);
  }

  @Override
  public String toString() {
    return "CallOptions[timeout=" + (timeout != null ? timeout : "entity's")
        + ", failFast=" + (failFast != null ? failFast : "entity's")
        + (metadata.isEmpty() ? "" : ", metadata=" + metadata)
        + (idleTimeout == null ? "" : ", idleTimeout=" + idleTimeout)
        + (streamWindow == 0 ? "" : ", streamWindow=" + streamWindow) + "]";
  }
}
