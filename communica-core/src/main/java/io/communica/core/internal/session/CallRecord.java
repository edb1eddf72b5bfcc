package io.communica.core.internal.session;

import io.communica.core.frame.MetadataCodec;
import io.communica.core.RequestTimeoutException;
import io.communica.core.intercept.CallInfo;
import io.communica.core.intercept.CallKind;
import io.communica.core.intercept.ClientInterceptor;
import io.communica.core.intercept.Outcome;
import io.communica.core.intercept.ServerInterceptor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One intercepted call: made only when interceptors are installed. Runs their {@code onStart} and,
 * once, their {@code onEnd}.
 */
final class CallRecord implements CallInfo {

  private static final Logger log = LoggerFactory.getLogger(CallRecord.class);

  private static final AtomicIntegerFieldUpdater<CallRecord> ENDED =
      AtomicIntegerFieldUpdater.newUpdater(CallRecord.class, "ended");

  private final CallKind kind;
  private final String route;
  private final @Nullable String peerId;
  private final long startNanos = System.nanoTime();
  private final @Nullable ClientInterceptor[] client;
  private final @Nullable ServerInterceptor[] server;
  private Map<String, String> metadata;
  private @Nullable Map<String, String> view;
  private boolean starting = true;
  private boolean added;
  int payloadBytes;
  private volatile int ended;
  private @Nullable Outcome outcome;
  private @Nullable Throwable error;
  private long durationNanos;

  private CallRecord(
      CallKind kind,
      String route,
      Map<String, String> metadata,
      int payloadBytes,
      @Nullable String peerId,
      ClientInterceptor @Nullable [] client,
      ServerInterceptor @Nullable [] server) {
    this.kind = kind;
    this.route = route;
    this.metadata = metadata;
    this.payloadBytes = payloadBytes;
    this.peerId = peerId;
    this.client = client;
    this.server = server;
  }

  /** A call this side makes; {@link #start} runs the interceptors' {@code onStart}. */
  static CallRecord client(
      ClientInterceptor[] interceptors, CallKind kind, String route, Map<String, String> metadata) {
    return new CallRecord(kind, route, metadata, -1, null, interceptors, null);
  }

  /** A call this side serves; {@link #start} runs the interceptors' {@code onStart}. */
  static CallRecord server(
      ServerInterceptor[] interceptors,
      CallKind kind,
      String route,
      Map<String, String> metadata,
      int payloadBytes,
      @Nullable String peerId) {
    return new CallRecord(kind, route, metadata, payloadBytes, peerId, null, interceptors);
  }

  /**
   * Runs the interceptors' {@code onStart}; what one throws fails the call (the caller then ends
   * the record with it).
   */
  void start() {
    try {
      if (client != null) {
        for (ClientInterceptor i : client) {
          i.onStart(this);
        }
      }
      if (server != null) {
        for (ServerInterceptor i : server) {
          i.onStart(this);
        }
      }
    } finally {
      starting = false;
    }
  }

  /**
   * Client: the metadata to send, checked against the limit when interceptors added to it.
   *
   * @throws IllegalArgumentException when it exceeds the limit
   */
  Map<String, String> metadataToSend() {
    if (added) {
      MetadataCodec.check(metadata);
    }
    return metadata;
  }

  /** Server: the metadata for the handler, with what interceptors added. */
  Map<String, String> metadataForHandler() {
    return metadata;
  }

  /** The call ended with {@code failure} (null for success); the first end counts. */
  void end(@Nullable Throwable failure) {
    end(
        failure == null
            ? Outcome.SUCCESS
            : failure instanceof RequestTimeoutException ? Outcome.TIMEOUT : Outcome.ERROR,
        failure);
  }

  void cancelled() {
    end(Outcome.CANCELLED, null);
  }

  private void end(Outcome o, @Nullable Throwable failure) {
    if (!ENDED.compareAndSet(this, 0, 1)) {
      return;
    }
    durationNanos = System.nanoTime() - startNanos;
    outcome = o;
    error = failure;
    if (client != null) {
      for (ClientInterceptor i : client) {
        try {
          i.onEnd(this);
        } catch (RuntimeException e) {
          log.warn("interceptor {} failed at the end of a call to '{}'", i, route, e);
        }
      }
    }
    if (server != null) {
      for (ServerInterceptor i : server) {
        try {
          i.onEnd(this);
        } catch (RuntimeException e) {
          log.warn("interceptor {} failed at the end of a call to '{}'", i, route, e);
        }
      }
    }
  }

  @Override
  public CallKind kind() {
    return kind;
  }

  @Override
  public String route() {
    return route;
  }

  @Override
  public Map<String, String> metadata() {
    Map<String, String> v = view;
    if (v == null) {
      v = Collections.unmodifiableMap(metadata);
      view = v;
    }
    return v;
  }

  @Override
  public void putMetadata(String key, String value) {
    if (!starting) {
      throw new IllegalStateException("metadata can only be added in onStart");
    }
    if (key.isEmpty()) {
      throw new IllegalArgumentException("metadata keys must not be empty");
    }
    if (!(metadata instanceof LinkedHashMap)) {
      metadata = new LinkedHashMap<>(metadata);
      view = null;
    }
    metadata.put(key, value);
    added = true;
  }

  @Override
  public int payloadBytes() {
    return payloadBytes;
  }

  @Override
  public @Nullable String peerId() {
    return peerId;
  }

  @Override
  public @Nullable Outcome outcome() {
    return outcome;
  }

  @Override
  public @Nullable Throwable error() {
    return error;
  }

  @Override
  public long durationNanos() {
    return durationNanos;
  }

  @Override
  public String toString() {
    return "Call[" + kind + " '" + route + "'"
        + (outcome != null ? ", " + outcome + " in " + durationNanos / 1000 + " µs" : "") + "]";
  }
}
