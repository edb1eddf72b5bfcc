package io.communica.core.intercept;

import io.communica.core.internal.context.CurrentCall;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Carries a W3C trace context ({@code traceparent}, see https://www.w3.org/TR/trace-context/) in
 * the metadata of every call an entity makes, so that a trace crosses processes.
 *
 * <p>By default the trace continues the one of the call being served on this thread: a blocking
 * handler of service B that calls service C sends C a {@code traceparent} with B's trace id and a
 * new parent id. A supplier connects it to a tracer instead, e.g. OpenTelemetry's current span:
 *
 * <pre>{@code
 * RouteClient.builder(connector)
 *     .interceptor(new TraceContextInterceptor(() -> {
 *       SpanContext s = Span.current().getSpanContext();
 *       return s.isValid() ? "00-" + s.getTraceId() + "-" + s.getSpanId() + "-" + s.getTraceFlags().asHex() : null;
 *     }))
 * }</pre>
 *
 * A handler reads the incoming one with {@code
 * TraceContextInterceptor.traceparent(CallContext.current().metadata())}. A call whose metadata
 * already has a {@code traceparent} keeps it.
 *
 * @since 0.2
 */
public final class TraceContextInterceptor implements ClientInterceptor {

  /** The metadata key, as W3C names the HTTP header. */
  public static final String TRACEPARENT = "traceparent";

  private static final Pattern VALID =
      Pattern.compile("00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}");

  private final Supplier<@Nullable String> current;

  /** Continues the trace of the call served on the calling thread, if any. */
  public TraceContextInterceptor() {
    this(TraceContextInterceptor::continued);
  }

  /** Sends what {@code current} returns (null or an invalid value: nothing). */
  public TraceContextInterceptor(Supplier<@Nullable String> current) {
    this.current = current;
  }

  @Override
  public void onStart(CallInfo call) {
    if (call.metadata().containsKey(TRACEPARENT)) {
      return;
    }
    String tp = current.get();
    if (tp != null && isValid(tp)) {
      call.putMetadata(TRACEPARENT, tp);
    }
  }

  /** The valid {@code traceparent} in a call's metadata, e.g. {@code CallContext.metadata()}. */
  public static Optional<String> traceparent(Map<String, String> metadata) {
    return Optional.ofNullable(metadata.get(TRACEPARENT)).filter(TraceContextInterceptor::isValid);
  }

  /** A child of the trace of the call served on this thread, or null outside a traced call. */
  private static @Nullable String continued() {
    CurrentCall call = CurrentCall.get();
    return call == null
        ? null
        : traceparent(call.metadata()).map(TraceContextInterceptor::child).orElse(null);
  }

  /** Whether {@code traceparent} is a valid version-00 value. */
  public static boolean isValid(String traceparent) {
    return VALID.matcher(traceparent).matches();
  }

  /** The trace id of a valid {@code traceparent}. */
  public static String traceId(String traceparent) {
    return traceparent.substring(3, 35);
  }

  /** The parent (span) id of a valid {@code traceparent}. */
  public static String parentId(String traceparent) {
    return traceparent.substring(36, 52);
  }

  /** A {@code traceparent} in the same trace with a new random parent id, same flags. */
  public static String child(String traceparent) {
    long span;
    do {
      span = ThreadLocalRandom.current().nextLong();
    } while (span == 0);
    return "00-" + traceId(traceparent) + "-" + String.format("%016x", span) + traceparent.substring(52);
  }
}
