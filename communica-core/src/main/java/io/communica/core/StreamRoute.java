package io.communica.core;

import static java.util.Objects.requireNonNull;

import java.lang.reflect.Type;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

/**
 * A stream route declared once, with its request and item types, and shared by the code of both
 * sides, so that the compiler checks the stream's request and items:
 *
 * <pre>{@code
 * // shared by client and server
 * static final StreamRoute<Integer, Progress> JOB = StreamRoute.of("job", Integer.class, Progress.class);
 *
 * // server
 * RouteServer.builder(connector).route(JOB, JOB.handler(steps -> Flux.range(1, steps).map(Progress::new)));
 * // client
 * Flux<Progress> progress = client.requestStream(JOB, 10);
 * }</pre>
 *
 * @param <Q> the request type
 * @param <I> the item type
 * @since 0.2
 */
public final class StreamRoute<Q, I> {

  private final String name;
  private final Type requestType;
  private final Type itemType;
  private final @Nullable Serializer serializer;

  private StreamRoute(String name, Type requestType, Type itemType, @Nullable Serializer serializer) {
    this.name = requireNonNull(name, "name");
    this.requestType = requireNonNull(requestType, "requestType");
    this.itemType = requireNonNull(itemType, "itemType");
    this.serializer = serializer;
  }

  /** A stream route with plain request and item classes. */
  public static <Q, I> StreamRoute<Q, I> of(String name, Class<Q> requestType, Class<I> itemType) {
    return new StreamRoute<>(name, requestType, itemType, null);
  }

  /** A stream route with generic request or item types. */
  public static <Q, I> StreamRoute<Q, I> of(
      String name, TypeRef<Q> requestType, TypeRef<I> itemType) {
    return new StreamRoute<>(name, requestType.type(), itemType.type(), null);
  }

  /** This route with its own serializer, used by both sides for it. */
  public StreamRoute<Q, I> withSerializer(Serializer serializer) {
    return new StreamRoute<>(name, requestType, itemType, requireNonNull(serializer, "serializer"));
  }

  /** The route string on the wire. */
  public String name() {
    return name;
  }

  /** The request type. */
  public Type requestType() {
    return requestType;
  }

  /** The item type. */
  public Type itemType() {
    return itemType;
  }

  /** The route's own serializer, or null when it uses the entity's. */
  public @Nullable Serializer serializer() {
    return serializer;
  }

  /** A stream handler on the I/O thread (see {@link Handler#stream}). */
  public Handler handler(Function<? super Q, ? extends Flux<? extends I>> function) {
    Handler h = Handler.stream(TypeRef.<Q>ofType(requestType), function);
    return serializer == null ? h : h.withSerializer(serializer);
  }

  /** A stream handler that may block, returning a {@code Stream} (see {@link Handler#blockingStream}). */
  public Handler blocking(Function<? super Q, ? extends Stream<? extends I>> function) {
    Handler h = Handler.blockingStream(TypeRef.<Q>ofType(requestType), function);
    return serializer == null ? h : h.withSerializer(serializer);
  }

  @Override
  public String toString() {
    return "StreamRoute[" + name + ": " + requestType.getTypeName() + " -> "
        + itemType.getTypeName() + "*" + (serializer != null ? ", " + serializer.name() : "") + "]";
  }
}
