package io.communica.core.internal.session;

import io.communica.core.CommunicaException;
import io.communica.core.MessageTooLargeException;
import io.communica.core.SerializationException;
import io.communica.core.Serializer;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.lang.reflect.Type;
import java.time.Duration;
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

  /** A request whose reply is decoded into {@code replyType}. */
  public static <T> Mono<T> request(
      SessionSettings config,
      Consumer<Outbound> target,
      String route,
      @Nullable Object data,
      Type replyType,
      Duration timeout,
      Serializer serializer) {
    return new CallMono<T>(
        config, target, FrameType.REQUEST, RouteIndex.utf8(route), data, serializer,
        (actual, frame) -> new PendingRequest<>(actual, route, frame, replyType, serializer, timeout));
  }

  /** A fire-and-forget message; completes when the transport took it. */
  public static Mono<Void> fire(
      SessionSettings config,
      Consumer<Outbound> target,
      String route,
      @Nullable Object data,
      Serializer serializer) {
    Duration timeout = config.requestTimeout();
    return new CallMono<Void>(
        config, target, FrameType.MESSAGE, RouteIndex.utf8(route), data, serializer,
        (actual, frame) -> new FireItem(actual, frame, timeout));
  }

  /** Encodes a frame on the caller's thread; null after signalling the error to the subscriber. */
  static @Nullable ByteBuf encode(
      SessionSettings config,
      Serializer serializer,
      CoreSubscriber<?> actual,
      int type,
      byte[] route,
      @Nullable Object data) {
    ByteBuf frame;
    try {
      frame = Frames.message(ByteBufAllocator.DEFAULT, type, 0, route, data, serializer);
    } catch (CommunicaException e) {
      Operators.error(actual, e);
      return null;
    } catch (RuntimeException e) {
      Operators.error(
          actual,
          new SerializationException(
              serializer.name() + " serializer cannot encode "
                  + data.getClass().getName() + ": " + e.getMessage(),
              e));
      return null;
    }
    int payload = FrameHeader.payloadLength(frame);
    if (payload > config.maxMessageSize()) {
      frame.release();
      Operators.error(actual, MessageTooLargeException.of(payload, config.maxMessageSize()));
      return null;
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
    private final byte[] route;
    private final @Nullable Object data;
    private final Serializer serializer;
    private final CallFactory<T> factory;

    CallMono(
        SessionSettings config,
        Consumer<Outbound> target,
        int type,
        byte[] route,
        @Nullable Object data,
        Serializer serializer,
        CallFactory<T> factory) {
      this.config = config;
      this.target = target;
      this.type = type;
      this.route = route;
      this.data = data;
      this.serializer = serializer;
      this.factory = factory;
    }

    @Override
    public void subscribe(CoreSubscriber<? super T> actual) {
      ByteBuf frame = encode(config, serializer, actual, type, route, data);
      if (frame == null) {
        return;
      }
      OutboundMessage<T> call = factory.create(actual, frame);
      actual.onSubscribe(call);
      target.accept(call);
    }
  }
}
