package io.communica.core.internal.session;

import io.communica.core.frame.MetadataCodec;
import io.communica.core.CommunicaException;
import io.communica.core.MessageTooLargeException;
import io.communica.core.SerializationException;
import io.communica.core.Serializer;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.communica.core.intercept.CallKind;
import io.communica.core.intercept.ClientInterceptor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;

/**
 * The {@code Mono}s entities return. Both are cold: the data is encoded and the frame handed on
 * when the {@code Mono} is subscribed, each time it is.
 */
public final class Requests {

  private Requests() {}

  /**
   * A request whose reply is decoded into {@code replyType}, with {@code metadata} (checked by
   * {@code CallOptions}; empty for none).
   */
  public static <T> Mono<T> request(
      SessionSettings config,
      Consumer<Outbound> target,
      String route,
      @Nullable Object data,
      Type replyType,
      Duration timeout,
      Serializer serializer,
      Map<String, String> metadata) {
    return new CallMono<T>(
        config, target, FrameType.REQUEST, route, data, serializer, metadata,
        (actual, frame) -> new PendingRequest<>(actual, route, frame, replyType, serializer, timeout));
  }

  /** A fire-and-forget message; completes when the transport took it. */
  public static Mono<Void> fire(
      SessionSettings config,
      Consumer<Outbound> target,
      String route,
      @Nullable Object data,
      Duration timeout,
      Serializer serializer,
      Map<String, String> metadata) {
    CallMono<Void> mono =
        new CallMono<Void>(
            config, target, FrameType.MESSAGE, route, data, serializer, metadata,
            (actual, frame) -> new FireItem(actual, frame, timeout));
    mono.fireTimeout = timeout;
    return mono;
  }

  /** Encodes a frame on the caller's thread; null after signalling the error to the subscriber. */
  static @Nullable ByteBuf encode(
      SessionSettings config,
      Serializer serializer,
      CoreSubscriber<?> actual,
      int type,
      byte[] route,
      @Nullable Object data,
      Map<String, String> metadata) {
    try {
      return encodeFrame(config, serializer, type, route, data, metadata);
    } catch (CommunicaException e) {
      Operators.error(actual, e);
      return null;
    }
  }

  /**
   * Encodes a frame on the caller's thread.
   *
   * @throws CommunicaException when the value cannot be encoded or is too large
   */
  static ByteBuf encodeFrame(
      SessionSettings config,
      Serializer serializer,
      int type,
      byte[] route,
      @Nullable Object data,
      Map<String, String> metadata) {
    ByteBuf frame;
    try {
      frame =
          Frames.message(
              Frames.forCaller(ByteBufAllocator.DEFAULT, data), type, route, data, serializer,
              metadata);
    } catch (CommunicaException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new SerializationException(
          serializer.name() + " serializer cannot encode "
              + data.getClass().getName() + ": " + e.getMessage(),
          e);
    }
    int payload = FrameHeader.payloadLength(frame);
    if (payload > config.maxMessageSize()) {
      frame.release();
      throw MessageTooLargeException.of(payload, config.maxMessageSize());
    }
    return frame;
  }

  /** Makes the call object of one subscription around its encoded frame. */
  private interface CallFactory<T> {
    OutboundMessage<T> create(CoreSubscriber<? super T> actual, ByteBuf frame);
  }

  private static final class CallMono<T> extends Mono<T> {
    private final SessionSettings config;
    private final Consumer<Outbound> target;
    private final int type;
    private final String routeName;
    private final byte[] route;
    private final @Nullable Object data;
    private final Serializer serializer;
    private final Map<String, String> metadata;
    private final CallFactory<T> factory;
    /** For a fire-and-forget message: its timeout, for a staged frame ({@link StagedFrames}). */
    @Nullable Duration fireTimeout;

    CallMono(
        SessionSettings config,
        Consumer<Outbound> target,
        int type,
        String route,
        @Nullable Object data,
        Serializer serializer,
        Map<String, String> metadata,
        CallFactory<T> factory) {
      this.config = config;
      this.target = target;
      this.type = type;
      this.routeName = route;
      this.route = RouteIndex.utf8(route);
      this.data = data;
      this.serializer = serializer;
      this.metadata = metadata;
      this.factory = factory;
    }

    @Override
    public void subscribe(CoreSubscriber<? super T> actual) {
      ClientInterceptor[] interceptors = config.clientInterceptors();
      if (interceptors.length != 0) {
        subscribeIntercepted(actual, interceptors);
        return;
      }
      if (fireTimeout != null && metadata.isEmpty() && StagedFrames.applies(data)) {
        @SuppressWarnings("unchecked")
        FireItem item =
            StagedFrames.stage(
                (CoreSubscriber<? super Void>) actual, serializer, route, data,
                config.maxMessageSize(), fireTimeout);
        if (item != null) {
          actual.onSubscribe(item);
          target.accept(item);
          return;
        }
      }
      ByteBuf frame = encode(config, serializer, actual, type, route, data, metadata);
      if (frame == null) {
        return;
      }
      OutboundMessage<T> call = factory.create(actual, frame);
      actual.onSubscribe(call);
      target.accept(call);
    }

    private void subscribeIntercepted(
        CoreSubscriber<? super T> actual, ClientInterceptor[] interceptors) {
      CallKind kind = type == FrameType.REQUEST ? CallKind.REQUEST : CallKind.FIRE_AND_FORGET;
      CallRecord record = CallRecord.client(interceptors, kind, routeName, metadata);
      ByteBuf frame;
      try {
        record.start();
        Map<String, String> md = record.metadataToSend();
        frame = encodeFrame(config, serializer, type, route, data, md);
        record.payloadBytes =
            FrameHeader.payloadLength(frame) - (md.isEmpty() ? 0 : 2 + MetadataCodec.pairsSize(md));
      } catch (RuntimeException e) {
        record.end(e);
        Operators.error(actual, e);
        return;
      }
      OutboundMessage<T> call = factory.create(actual, frame);
      call.record = record;
      actual.onSubscribe(call);
      target.accept(call);
    }
  }
}
