package io.communica.core.intercept;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One call as interceptors see it: what it is when it starts, and how it ended once it did. The
 * same object is passed to {@code onStart} and {@code onEnd}, so an interceptor may use it as a
 * key (identity) for state of its own.
 *
 * @since 0.2
 */
public interface CallInfo {

  /** Request, fire-and-forget, or (later) a stream kind. */
  CallKind kind();

  /** The route; empty for a simple entity's calls. */
  String route();

  /**
   * The call's metadata: on a client what it sends (the call's own, plus what interceptors added
   * so far), on a server what arrived (plus what server interceptors added). Read-only.
   */
  Map<String, String> metadata();

  /**
   * Adds an entry to the metadata, in {@code onStart} only: a client interceptor's entries are
   * sent with the call, a server interceptor's are seen by later interceptors and the handler.
   * The total stays within 8 KiB encoded, else the call fails.
   *
   * @throws IllegalStateException after {@code onStart}
   */
  void putMetadata(String key, String value);

  /**
   * Bytes of the encoded payload (without metadata); on a client -1 in {@code onStart}, since the
   * payload is encoded after the interceptors added their metadata.
   */
  int payloadBytes();

  /** On a server, the id of the client that made the call; null on a client. */
  @Nullable String peerId();

  /** How the call ended; null before {@code onEnd}. */
  @Nullable Outcome outcome();

  /** The error of a call that ended with {@link Outcome#ERROR} or {@link Outcome#TIMEOUT}. */
  @Nullable Throwable error();

  /** Nanoseconds from the start of the call to its end; 0 before {@code onEnd}. */
  long durationNanos();
}
