package io.communica.core;

import static java.util.Objects.requireNonNull;

import java.lang.reflect.Type;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

/**
 * A channel route declared once, with the types of the items each way, and shared by the code of
 * both sides:
 *
 * <pre>{@code
 * // shared by client and server
 * static final ChannelRoute<String, String> CHAT = ChannelRoute.of("chat", String.class, String.class);
 *
 * // server
 * RouteServer.builder(connector).route(CHAT, CHAT.handler(in -> in.map(line -> "echo: " + line)));
 * // client
 * Flux<String> replies = client.requestChannel(CHAT, Flux.just("hi", "bye"));
 * }</pre>
 *
 * @param <I> the type of the items the requester sends
 * @param <O> the type of the items the responder sends back
 * @since 0.2
 */
public final class ChannelRoute<I, O> {

  private final String name;
  private final Type inType;
  private final Type outType;
  private final @Nullable Serializer serializer;

  private ChannelRoute(String name, Type inType, Type outType, @Nullable Serializer serializer) {
    this.name = requireNonNull(name, "name");
    this.inType = requireNonNull(inType, "inType");
    this.outType = requireNonNull(outType, "outType");
    this.serializer = serializer;
  }

  /** A channel route with plain item classes. */
  public static <I, O> ChannelRoute<I, O> of(String name, Class<I> inType, Class<O> outType) {
    return new ChannelRoute<>(name, inType, outType, null);
  }

  /** A channel route with generic item types. */
  public static <I, O> ChannelRoute<I, O> of(String name, TypeRef<I> inType, TypeRef<O> outType) {
    return new ChannelRoute<>(name, inType.type(), outType.type(), null);
  }

  /** This route with its own serializer, used by both sides for it. */
  public ChannelRoute<I, O> withSerializer(Serializer serializer) {
    return new ChannelRoute<>(name, inType, outType, requireNonNull(serializer, "serializer"));
  }

  /** The route string on the wire. */
  public String name() {
    return name;
  }

  /** The type of the requester's items. */
  public Type inType() {
    return inType;
  }

  /** The type of the responder's items. */
  public Type outType() {
    return outType;
  }

  /** The route's own serializer, or null when it uses the entity's. */
  public @Nullable Serializer serializer() {
    return serializer;
  }

  /** A channel handler (see {@link Handler#channel}). */
  public Handler handler(Function<? super Flux<I>, ? extends Publisher<? extends O>> function) {
    Handler h = Handler.channel(TypeRef.<I>ofType(inType), function);
    return serializer == null ? h : h.withSerializer(serializer);
  }

  @Override
  public String toString() {
    return "ChannelRoute[" + name + ": " + inType.getTypeName() + "* -> " + outType.getTypeName()
        + "*" + (serializer != null ? ", " + serializer.name() : "") + "]";
  }
}
