package io.communica.core;

import static java.util.Objects.requireNonNull;

import java.lang.reflect.Type;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

/**
 * What answers requests and receives fire-and-forget messages on one route: the type the data is
 * decoded into and a function. The factory method says where the function runs:
 *
 * <ul>
 *   <li>{@link #blocking} — on the entity's blocking scheduler (by default Reactor's {@code
 *       boundedElastic}); may block. Cancelling the request interrupts its thread.
 *   <li>{@link #reactive} — on the I/O thread, returning a {@code Mono} (or any {@code
 *       Publisher}, of which the first value is the reply); must not block. Cancelling the request
 *       disposes the subscription.
 *   <li>{@link #nonBlocking} — on the I/O thread, returning the reply directly; for quick work that
 *       never blocks. The fastest kind.
 *   <li>{@link #consumer} — like {@link #blocking} but returns nothing: for fire-and-forget
 *       messages; a request to it completes empty.
 *   <li>{@link #stream}, {@link #blockingStream} and {@link #channel} answer {@code requestStream}
 *       and {@code requestChannel} with many items; each kind answers its own interaction only (a
 *       request to a stream handler, or a stream to a request handler, fails with {@link
 *       RequestException} of code {@link RequestException#WRONG_INTERACTION}).
 * </ul>
 *
 * <p>A function that returns {@code null} (or a {@code Mono} that completes empty) makes the
 * requester's {@code Mono} complete empty. One that throws {@link RequestException} or {@link
 * ResponderException} makes the requester's fail with the same type, message and code; anything
 * else arrives as {@link HandlerFailedException}. A failing handler never closes the connection.
 *
 * <pre>{@code
 * Handler add = Handler.blocking(AddRequest.class, req -> new AddReply(req.a() + req.b()));
 * Handler fetch = Handler.reactive(String.class, key -> cache.get(key));
 * Handler log = Handler.consumer(String.class, line -> System.out.println(line));
 * }</pre>
 *
 * @since 0.1
 */
public final class Handler {

  /** Where a handler runs. */
  public enum Kind {
    /** On the blocking scheduler. */
    BLOCKING,
    /** On the I/O thread, answering with a {@code Publisher}. */
    REACTIVE,
    /** On the I/O thread, answering directly. */
    NON_BLOCKING,
    /**
     * Answers streams, on the I/O thread, with a {@code Publisher} of items.
     *
     * @since 0.2
     */
    STREAM,
    /**
     * Answers streams on the blocking scheduler with a {@code Stream}, {@code Iterable} or {@code
     * Iterator} of items, which is also consumed there.
     *
     * @since 0.2
     */
    BLOCKING_STREAM,
    /**
     * Answers channels, on the I/O thread: a function from the requester's items (a {@code Flux})
     * to a {@code Publisher} of items back.
     *
     * @since 0.2
     */
    CHANNEL;

    /** Whether handlers of this kind answer REQUEST and MESSAGE frames. */
    public boolean answersRequests() {
      return ordinal() <= NON_BLOCKING.ordinal();
    }
  }

  private final Kind kind;
  private final Type requestType;
  private final Function<Object, ?> function;
  private final @Nullable Serializer serializer;

  private Handler(Kind kind, Type requestType, Function<Object, ?> function) {
    this(kind, requestType, function, null);
  }

  private Handler(
      Kind kind, Type requestType, Function<Object, ?> function, @Nullable Serializer serializer) {
    this.kind = kind;
    this.requestType = requireNonNull(requestType, "type");
    this.function = requireNonNull(function, "function");
    this.serializer = serializer;
  }

  /**
   * This handler with its own serializer for requests and replies, instead of the entity's. The
   * requester must use the same serializer for the route (a {@link Route} declares it once for
   * both sides).
   */
  public Handler withSerializer(Serializer serializer) {
    return new Handler(kind, requestType, function, requireNonNull(serializer, "serializer"));
  }

  /** The handler's own serializer, or null when it uses the entity's. */
  public @Nullable Serializer serializer() {
    return serializer;
  }

  /** A handler that may block, run on the blocking scheduler. */
  public static <T> Handler blocking(Class<T> type, Function<? super T, ?> function) {
    return new Handler(Kind.BLOCKING, type, cast(function));
  }

  /** A handler that may block, for a generic request type. */
  public static <T> Handler blocking(TypeRef<T> type, Function<? super T, ?> function) {
    return new Handler(Kind.BLOCKING, type.type(), cast(function));
  }

  /** A handler answering with a {@code Mono} (or the first value of a {@code Publisher}). */
  public static <T> Handler reactive(
      Class<T> type, Function<? super T, ? extends Publisher<?>> function) {
    return new Handler(Kind.REACTIVE, type, cast(function));
  }

  /** A reactive handler for a generic request type. */
  public static <T> Handler reactive(
      TypeRef<T> type, Function<? super T, ? extends Publisher<?>> function) {
    return new Handler(Kind.REACTIVE, type.type(), cast(function));
  }

  /** A handler run on the I/O thread; it must never block. */
  public static <T> Handler nonBlocking(Class<T> type, Function<? super T, ?> function) {
    return new Handler(Kind.NON_BLOCKING, type, cast(function));
  }

  /** A handler run on the I/O thread, for a generic request type; it must never block. */
  public static <T> Handler nonBlocking(TypeRef<T> type, Function<? super T, ?> function) {
    return new Handler(Kind.NON_BLOCKING, type.type(), cast(function));
  }

  /** A handler for fire-and-forget messages, run on the blocking scheduler. */
  public static <T> Handler consumer(Class<T> type, Consumer<? super T> consumer) {
    return new Handler(Kind.BLOCKING, type, asFunction(consumer));
  }

  /** A handler for fire-and-forget messages of a generic type. */
  public static <T> Handler consumer(TypeRef<T> type, Consumer<? super T> consumer) {
    return new Handler(Kind.BLOCKING, type.type(), asFunction(consumer));
  }

  /**
   * A stream handler: for each {@code requestStream} it returns a {@code Flux} (any {@code
   * Publisher}) of items, subscribed on the I/O thread and asked for items as the requester grants
   * credits; it must not block. Cancelling the stream cancels the subscription.
   *
   * <pre>{@code
   * Handler ticks = Handler.stream(Integer.class, n -> Flux.range(1, n));
   * }</pre>
   *
   * @since 0.2
   */
  public static <T> Handler stream(
      Class<T> type, Function<? super T, ? extends Publisher<?>> function) {
    return new Handler(Kind.STREAM, type, cast(function));
  }

  /** A stream handler for a generic request type; see {@link #stream(Class, Function)}. */
  public static <T> Handler stream(
      TypeRef<T> type, Function<? super T, ? extends Publisher<?>> function) {
    return new Handler(Kind.STREAM, type.type(), cast(function));
  }

  /**
   * A stream handler that may block: the function runs on the blocking scheduler and returns a
   * {@code java.util.stream.Stream}, an {@code Iterable} or an {@code Iterator} of items, which is
   * consumed there as the requester grants credits (a {@code Stream} is closed at the end or on
   * cancel). Cancelling the stream stops the iteration.
   *
   * <pre>{@code
   * Handler lines = Handler.blockingStream(String.class, path -> Files.lines(Path.of(path)));
   * }</pre>
   *
   * @since 0.2
   */
  public static <T> Handler blockingStream(Class<T> type, Function<? super T, ?> function) {
    return new Handler(Kind.BLOCKING_STREAM, type, cast(function));
  }

  /** A blocking stream handler for a generic request type. */
  public static <T> Handler blockingStream(TypeRef<T> type, Function<? super T, ?> function) {
    return new Handler(Kind.BLOCKING_STREAM, type.type(), cast(function));
  }

  /**
   * A channel handler: called on the I/O thread with the requester's items as a {@code Flux}
   * (decoded into {@code type}, asked for by the handler's subscription, credits across the wire),
   * it returns the {@code Publisher} of items sent back. Either direction may complete first; an
   * error or a cancel ends both.
   *
   * <pre>{@code
   * Handler upper = Handler.channel(String.class, in -> in.map(String::toUpperCase));
   * }</pre>
   *
   * @since 0.2
   */
  public static <T> Handler channel(
      Class<T> type, Function<? super Flux<T>, ? extends Publisher<?>> function) {
    return new Handler(Kind.CHANNEL, type, cast(function));
  }

  /** A channel handler for a generic item type. */
  public static <T> Handler channel(
      TypeRef<T> type, Function<? super Flux<T>, ? extends Publisher<?>> function) {
    return new Handler(Kind.CHANNEL, type.type(), cast(function));
  }

  /** Where this handler runs. */
  public Kind kind() {
    return kind;
  }

  /** The type request data is decoded into. */
  public Type requestType() {
    return requestType;
  }

  /**
   * Calls the function: for {@link Kind#REACTIVE} the result is a {@code Publisher}, otherwise the
   * reply value (or null). For communica's sessions.
   */
  public @Nullable Object invoke(@Nullable Object data) {
    return function.apply(data);
  }

  @SuppressWarnings("unchecked")
  private static Function<Object, ?> cast(Function<?, ?> function) {
    requireNonNull(function, "function");
    return (Function<Object, ?>) function;
  }

  @SuppressWarnings("unchecked")
  private static Function<Object, ?> asFunction(Consumer<?> consumer) {
    requireNonNull(consumer, "consumer");
    Consumer<Object> c = (Consumer<Object>) consumer;
    return data -> {
      c.accept(data);
      return null;
    };
  }

  @Override
  public String toString() {
    return kind.name().toLowerCase(java.util.Locale.ROOT) + " handler of " + requestType.getTypeName();
  }
}
