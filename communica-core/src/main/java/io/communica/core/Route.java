package io.communica.core;

import static java.util.Objects.requireNonNull;

import java.lang.reflect.Type;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * A route declared once, with its request and reply types and optionally its own serializer, and
 * shared by the code of both sides, so that the compiler checks every request against it:
 *
 * <pre>{@code
 * // shared by client and server
 * static final Route<AddRequest, AddReply> ADD = Route.of("add", AddRequest.class, AddReply.class);
 *
 * // server
 * RouteServer.builder(connector).route(ADD, ADD.blocking(req -> new AddReply(req.a() + req.b())));
 * // client
 * Mono<AddReply> sum = client.request(ADD, new AddRequest(2, 3));
 * }</pre>
 *
 * <p>One route name is used with one serializer on each side: an entity that has requested or
 * served a route with one serializer refuses, with {@link IllegalStateException}, to use it with
 * another (communica's rule). A route without its own serializer uses the entity's.
 *
 * @param <Q> the request type
 * @param <R> the reply type
 * @since 0.1
 */
public final class Route<Q, R> {

  private final String name;
  private final Type requestType;
  private final Type replyType;
  private final @Nullable Serializer serializer;

  private Route(String name, Type requestType, Type replyType, @Nullable Serializer serializer) {
    this.name = requireNonNull(name, "name");
    this.requestType = requireNonNull(requestType, "requestType");
    this.replyType = requireNonNull(replyType, "replyType");
    this.serializer = serializer;
  }

  /** A route with plain request and reply classes. */
  public static <Q, R> Route<Q, R> of(String name, Class<Q> requestType, Class<R> replyType) {
    return new Route<>(name, requestType, replyType, null);
  }

  /** A route with generic request or reply types. */
  public static <Q, R> Route<Q, R> of(String name, TypeRef<Q> requestType, TypeRef<R> replyType) {
    return new Route<>(name, requestType.type(), replyType.type(), null);
  }

  /** This route with its own serializer, used by both sides for it. */
  public Route<Q, R> withSerializer(Serializer serializer) {
    return new Route<>(name, requestType, replyType, requireNonNull(serializer, "serializer"));
  }

  /** The route string on the wire. */
  public String name() {
    return name;
  }

  /** The request type. */
  public Type requestType() {
    return requestType;
  }

  /** The reply type. */
  public Type replyType() {
    return replyType;
  }

  /** The route's own serializer, or null when it uses the entity's. */
  public @Nullable Serializer serializer() {
    return serializer;
  }

  /** A blocking handler for this route (see {@link Handler#blocking}). */
  public Handler blocking(Function<? super Q, ? extends @Nullable R> function) {
    return bind(Handler.blocking(TypeRef.<Q>ofType(requestType), function));
  }

  /** A reactive handler for this route (see {@link Handler#reactive}). */
  public Handler reactive(Function<? super Q, ? extends Mono<? extends R>> function) {
    return bind(Handler.reactive(TypeRef.<Q>ofType(requestType), function));
  }

  /** A handler run on the I/O thread for this route (see {@link Handler#nonBlocking}). */
  public Handler nonBlocking(Function<? super Q, ? extends @Nullable R> function) {
    return bind(Handler.nonBlocking(TypeRef.<Q>ofType(requestType), function));
  }

  /** A fire-and-forget handler for this route (see {@link Handler#consumer}). */
  public Handler consumer(Consumer<? super Q> consumer) {
    return bind(Handler.consumer(TypeRef.<Q>ofType(requestType), consumer));
  }

  private Handler bind(Handler handler) {
    return serializer == null ? handler : handler.withSerializer(serializer);
  }

  @Override
  public String toString() {
    return "Route[" + name + ": " + requestType.getTypeName() + " -> " + replyType.getTypeName()
        + (serializer != null ? ", " + serializer.name() : "") + "]";
  }
}
