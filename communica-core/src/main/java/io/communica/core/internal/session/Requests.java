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
    return new RequestMono<>(
        config, target, route, RouteIndex.utf8(route), data, replyType, timeout, serializer);
  }

  /** A fire-and-forget message; completes when the transport took it. */
  public static Mono<Void> fire(
      SessionSettings config,
      Consumer<Outbound> target,
      String route,
      @Nullable Object data,
      Serializer serializer) {
    return new FireMono(config, target, RouteIndex.utf8(route), data, serializer);
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

  private static final class RequestMono<T> extends Mono<T> {
    private final SessionSettings config;
    private final Consumer<Outbound> target;
    private final String route;
    private final byte[] routeBytes;
    private final @Nullable Object data;
    private final Type replyType;
    private final Duration timeout;
    private final Serializer serializer;

    RequestMono(
        SessionSettings config,
        Consumer<Outbound> target,
        String route,
        byte[] routeBytes,
        @Nullable Object data,
        Type replyType,
        Duration timeout,
        Serializer serializer) {
      this.config = config;
      this.target = target;
      this.route = route;
      this.routeBytes = routeBytes;
      this.data = data;
      this.replyType = replyType;
      this.timeout = timeout;
      this.serializer = serializer;
    }

    @Override
    public void subscribe(CoreSubscriber<? super T> actual) {
      ByteBuf frame = encode(config, serializer, actual, FrameType.REQUEST, routeBytes, data);
      if (frame == null) {
        return;
      }
      PendingRequest<T> p =
          new PendingRequest<>(actual, route, frame, replyType, serializer, timeout);
      actual.onSubscribe(p);
      target.accept(p);
    }
  }

  private static final class FireMono extends Mono<Void> {
    private final SessionSettings config;
    private final Consumer<Outbound> target;
    private final byte[] route;
    private final @Nullable Object data;
    private final Serializer serializer;

    FireMono(
        SessionSettings config,
        Consumer<Outbound> target,
        byte[] route,
        @Nullable Object data,
        Serializer serializer) {
      this.config = config;
      this.target = target;
      this.route = route;
      this.data = data;
      this.serializer = serializer;
    }

    @Override
    public void subscribe(CoreSubscriber<? super Void> actual) {
      ByteBuf frame = encode(config, serializer, actual, FrameType.MESSAGE, route, data);
      if (frame == null) {
        return;
      }
      FireItem item = new FireItem(actual, frame, config.requestTimeout());
      actual.onSubscribe(item);
      target.accept(item);
    }
  }
}
