package io.communica.core.internal.session;

import io.communica.core.Serializer;
import io.communica.core.frame.FrameType;
import io.netty.buffer.ByteBuf;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.CoreSubscriber;
import io.communica.core.intercept.CallKind;
import io.communica.core.intercept.ClientInterceptor;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

/**
 * The {@code Flux}es of streams and channels entities return. Cold, like {@link Requests}: the
 * request is encoded and handed on when the {@code Flux} is subscribed, each time it is.
 */
public final class StreamRequests {

  private StreamRequests() {}

  /** How a stream call is made: its timeouts and window. */
  public record Terms(Duration timeout, Duration idleTimeout, int window) {}

  /**
   * A stream from {@code route}: items decoded into {@code itemType}, {@code metadata} checked by
   * {@code CallOptions} (empty for none).
   */
  public static <T> Flux<T> stream(
      SessionSettings config,
      Consumer<Outbound> target,
      String route,
      @Nullable Object data,
      Type itemType,
      Terms terms,
      Serializer serializer,
      Map<String, String> metadata) {
    return new StreamFlux<>(
        config, target, FrameType.REQUEST_STREAM, route, data, null, itemType, terms, serializer,
        metadata);
  }

  /** A channel to {@code route}: {@code input}'s items go out, items of {@code itemType} come back. */
  public static <T> Flux<T> channel(
      SessionSettings config,
      Consumer<Outbound> target,
      String route,
      Publisher<?> input,
      Type itemType,
      Terms terms,
      Serializer serializer,
      Map<String, String> metadata) {
    return new StreamFlux<>(
        config, target, FrameType.REQUEST_CHANNEL, route, null, input, itemType, terms, serializer,
        metadata);
  }

  private static final class StreamFlux<T> extends Flux<T> {
    private final SessionSettings config;
    private final Consumer<Outbound> target;
    private final int type;
    private final String routeName;
    private final byte[] route;
    private final @Nullable Object data;
    private final @Nullable Publisher<?> input;
    private final Type itemType;
    private final Terms terms;
    private final Serializer serializer;
    private final Map<String, String> metadata;

    StreamFlux(
        SessionSettings config,
        Consumer<Outbound> target,
        int type,
        String route,
        @Nullable Object data,
        @Nullable Publisher<?> input,
        Type itemType,
        Terms terms,
        Serializer serializer,
        Map<String, String> metadata) {
      this.config = config;
      this.target = target;
      this.type = type;
      this.routeName = route;
      this.route = RouteIndex.utf8(route);
      this.data = data;
      this.input = input;
      this.itemType = itemType;
      this.terms = terms;
      this.serializer = serializer;
      this.metadata = metadata;
    }

    @Override
    public void subscribe(CoreSubscriber<? super T> actual) {
      ClientInterceptor[] interceptors = config.clientInterceptors();
      CallRecord record = null;
      ByteBuf frame;
      if (interceptors.length == 0) {
        frame = Requests.encode(config, serializer, actual, type, route, data, metadata);
        if (frame == null) {
          return;
        }
      } else {
        record =
            CallRecord.client(
                interceptors,
                type == FrameType.REQUEST_STREAM ? CallKind.STREAM : CallKind.CHANNEL,
                routeName,
                metadata);
        try {
          record.start();
          frame =
              Requests.encodeFrame(config, serializer, type, route, data, record.metadataToSend());
        } catch (RuntimeException e) {
          record.end(e);
          Operators.error(actual, e);
          return;
        }
      }
      StreamCall<T> call =
          new StreamCall<>(
              frame, routeName, itemType, serializer, terms.timeout(), terms.idleTimeout(),
              terms.window(), input);
      call.actual = actual;
      call.record = record;
      actual.onSubscribe(call);
      target.accept(call);
    }
  }
}
