package io.communica.core.internal.remote;

import io.communica.core.CommunicaException;
import io.communica.core.Handler;
import io.communica.core.HandlerFailedException;
import io.communica.core.OneWay;
import io.communica.core.RequestException;
import io.communica.core.RouteName;
import io.communica.core.SerializationException;
import io.communica.core.TypeRef;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One method of an interface called remotely: its route, how its return type maps to an
 * interaction, and how exceptions cross: on the implementation's side a declared exception is
 * sent under its declared type's name, and on the proxy's side that name is looked up among the
 * method's own declared types (never loaded from the wire) and built through its {@code (String)}
 * constructor.
 */
final class RemoteMethod {

  private static final Object[] NO_ARGUMENTS = {};

  /** What the proxy returns. */
  enum Result {
    /** The value itself, after blocking for it. */
    BLOCK,
    /** A cold {@code Mono}. */
    MONO,
    /** A {@code CompletableFuture}, the call under way. */
    FUTURE,
    /** A cold {@code Flux}: a stream, requested when subscribed. */
    FLUX
  }

  final Method method;
  final String route;
  final boolean oneWay;
  final Result result;
  private final Type replyType;
  private final ArgumentsType argumentsType;
  private final Class<?>[] exceptionTypes;
  /** Declared exception types that can be built, by name. */
  private final Map<String, Constructor<? extends Throwable>> declared;

  private RemoteMethod(Class<?> iface, Method method) {
    this.method = method;
    RouteName name = method.getAnnotation(RouteName.class);
    this.route = name != null ? name.value() : iface.getSimpleName() + "." + method.getName();
    if (route.isEmpty()) {
      throw new IllegalArgumentException(display(method) + ": @RouteName must not be empty");
    }
    Class<?> raw = method.getReturnType();
    Type generic = method.getGenericReturnType();
    if (raw == Mono.class) {
      result = Result.MONO;
      replyType = typeArgument(generic);
    } else if (raw == CompletableFuture.class || raw == CompletionStage.class) {
      result = Result.FUTURE;
      replyType = typeArgument(generic);
    } else if (raw == Flux.class || raw == Publisher.class) {
      result = Result.FLUX;
      replyType = typeArgument(generic);
    } else if (Publisher.class.isAssignableFrom(raw)) {
      throw new IllegalArgumentException(
          display(method) + " returns " + raw.getSimpleName()
              + ": return Flux (or Publisher) for a stream, Mono for one reply");
    } else if (Future.class.isAssignableFrom(raw) || CompletionStage.class.isAssignableFrom(raw)) {
      throw new IllegalArgumentException(
          display(method) + " returns " + raw.getSimpleName()
              + ": return CompletableFuture (or CompletionStage) for an asynchronous reply");
    } else {
      result = Result.BLOCK;
      replyType = raw == void.class ? Void.class : box(generic);
    }
    oneWay = method.isAnnotationPresent(OneWay.class);
    if (oneWay && (result == Result.FLUX || !(raw == void.class || replyType == Void.class))) {
      throw new IllegalArgumentException(
          display(method) + " is @OneWay: it must return void, Mono<Void> or CompletableFuture<Void>");
    }
    for (Type t : method.getGenericParameterTypes()) {
      refuseTypeVariables(method, t);
    }
    for (Class<?> p : method.getParameterTypes()) {
      if (Publisher.class.isAssignableFrom(p)) {
        throw new IllegalArgumentException(
            display(method) + " takes a " + p.getSimpleName()
                + ": not supported: the arguments travel as one message, so a parameter cannot be"
                + " a stream (for items in both directions use requestChannel and"
                + " Handler.channel)");
      }
    }
    refuseTypeVariables(method, replyType);
    this.argumentsType = new ArgumentsType(method);
    this.exceptionTypes = method.getExceptionTypes();
    this.declared = constructors(exceptionTypes);
    if (!method.trySetAccessible()) {
      throw new IllegalArgumentException(
          display(method) + " is not accessible to communica: make the interface public or open"
              + " its package");
    }
  }

  static RemoteMethod of(Class<?> iface, Method method) {
    return new RemoteMethod(iface, method);
  }

  /** E.g. {@code Calculator.add(int, int)}. */
  static String display(Method m) {
    return m.getDeclaringClass().getSimpleName() + "." + m.getName()
        + Arrays.stream(m.getParameterTypes())
            .map(Class::getSimpleName)
            .collect(Collectors.joining(", ", "(", ")"));
  }

  // ---- the proxy's side ----

  /** Makes the call for a proxy: sends it and returns what the method's return type asks for. */
  @Nullable Object call(Caller caller, @Nullable Object @Nullable [] args) throws Throwable {
    Arguments data = new Arguments(method, args == null ? NO_ARGUMENTS : args);
    if (result == Result.FLUX) {
      Flux<Object> flux = caller.stream(route, data, replyType);
      return declared.isEmpty()
          ? flux
          : flux.onErrorMap(HandlerFailedException.class, this::fromRemote);
    }
    Mono<?> mono = oneWay ? caller.fire(route, data) : caller.request(route, data, replyType);
    if (!declared.isEmpty()) {
      mono = mono.onErrorMap(HandlerFailedException.class, this::fromRemote);
    }
    return switch (result) {
      case MONO -> mono;
      case FUTURE -> mono.toFuture();
      case BLOCK -> block(mono);
      case FLUX -> throw new AssertionError(result);
    };
  }

  private @Nullable Object block(Mono<?> mono) throws Throwable {
    Object value;
    try {
      value = mono.block();
    } catch (RuntimeException e) {
      throw Exceptions.unwrap(e); // a declared checked exception, as the method declares it
    }
    Class<?> returned = method.getReturnType();
    if (value == null && returned.isPrimitive() && returned != void.class) {
      throw new SerializationException(
          "the reply to " + display(method) + " was empty where " + method.getReturnType()
              + " was expected");
    }
    return value;
  }

  /** A failure naming one of the method's declared types, as that type; anything else as it is. */
  private Throwable fromRemote(HandlerFailedException e) {
    Constructor<? extends Throwable> c = declared.get(e.remoteType());
    if (c == null) {
      return e;
    }
    Throwable t;
    try {
      t = c.newInstance(e.remoteMessage());
    } catch (ReflectiveOperationException | RuntimeException failed) {
      e.addSuppressed(failed);
      return e;
    }
    try {
      t.initCause(e); // where the call was made, and the remote type and message
    } catch (IllegalStateException | IllegalArgumentException hadCause) {
      t.addSuppressed(e);
    }
    return t;
  }

  // ---- the implementation's side ----

  /** The handler that calls {@code impl}: off the I/O thread unless the method is asynchronous. */
  Handler handler(Object impl) {
    TypeRef<Object> type = TypeRef.ofType(argumentsType);
    return switch (result) {
      case MONO -> Handler.reactive(type, data -> remoteErrors((Mono<?>) invoke(impl, data)));
      case FUTURE ->
          Handler.reactive(
              type,
              data -> {
                CompletionStage<?> stage = (CompletionStage<?>) invoke(impl, data);
                return remoteErrors(stage == null ? null : Mono.fromCompletionStage(stage));
              });
      case BLOCK -> Handler.blocking(type, data -> invoke(impl, data));
      case FLUX -> Handler.stream(type, data -> remoteErrors((Publisher<?>) invoke(impl, data)));
    };
  }

  private Flux<?> remoteErrors(@Nullable Publisher<?> items) {
    if (items == null) {
      return Flux.empty();
    }
    Flux<?> flux = Flux.from(items);
    return exceptionTypes.length == 0 ? flux : flux.onErrorMap(this::toRemote);
  }

  private Mono<?> remoteErrors(@Nullable Mono<?> mono) {
    if (mono == null) {
      return Mono.empty();
    }
    return exceptionTypes.length == 0 ? mono : mono.onErrorMap(this::toRemote);
  }

  private @Nullable Object invoke(Object impl, @Nullable Object data) {
    Object[] args;
    if (data != null) {
      args = (Object[]) data;
    } else if (method.getParameterCount() == 0) {
      args = NO_ARGUMENTS;
    } else {
      throw new RequestException(
          "no arguments for " + display(method), RequestException.INVALID_DATA);
    }
    try {
      return method.invoke(impl, args);
    } catch (InvocationTargetException e) {
      throw RemoteMethod.<RuntimeException>sneaky(toRemote(e.getCause()));
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot call " + display(method) + ": " + e.getMessage(), e);
    }
  }

  /**
   * What the implementation threw, as the proxy should see it: communica's own errors as they are;
   * an instance of a type in the {@code throws} clause under that type's name (an unchecked one
   * only under a declared unchecked type, so that {@code throws Exception} does not hide bugs);
   * anything else as it is, sent as a handler failure and logged.
   */
  private Throwable toRemote(Throwable t) {
    if (t instanceof CommunicaException) {
      return t;
    }
    boolean unchecked = t instanceof RuntimeException || t instanceof Error;
    for (Class<?> type : exceptionTypes) {
      boolean typeUnchecked =
          RuntimeException.class.isAssignableFrom(type) || Error.class.isAssignableFrom(type);
      if (type.isInstance(t) && (typeUnchecked || !unchecked)) {
        String message = t.getMessage();
        return new HandlerFailedException(type.getName(), message == null ? "" : message);
      }
    }
    return t;
  }

  @SuppressWarnings("unchecked")
  private static <E extends Throwable> E sneaky(Throwable t) throws E {
    throw (E) t;
  }

  // ---- types ----

  private static Map<String, Constructor<? extends Throwable>> constructors(Class<?>[] types) {
    Map<String, Constructor<? extends Throwable>> found = new HashMap<>();
    for (Class<?> type : types) {
      if (Modifier.isAbstract(type.getModifiers()) || !Throwable.class.isAssignableFrom(type)) {
        continue;
      }
      try {
        Constructor<? extends Throwable> c =
            type.asSubclass(Throwable.class).getDeclaredConstructor(String.class);
        if (Modifier.isPublic(c.getModifiers()) && c.trySetAccessible()) {
          found.put(type.getName(), c);
        }
      } catch (NoSuchMethodException e) {
        // not buildable: arrives as HandlerFailedException naming it
      }
    }
    return Map.copyOf(found);
  }

  private static Type typeArgument(Type generic) {
    if (generic instanceof ParameterizedType p) {
      Type arg = p.getActualTypeArguments()[0];
      return arg instanceof WildcardType w ? w.getUpperBounds()[0] : arg;
    }
    return Object.class;
  }

  private static Type box(Type type) {
    return type instanceof Class<?> c && c.isPrimitive()
        ? MethodType.methodType(c).wrap().returnType()
        : type;
  }

  private static void refuseTypeVariables(Method method, Type type) {
    if (type instanceof TypeVariable<?> v) {
      throw new IllegalArgumentException(
          display(method) + " uses the type variable " + v.getName()
              + ": a method called remotely needs concrete types to decode its data");
    }
    if (type instanceof ParameterizedType p) {
      for (Type arg : p.getActualTypeArguments()) {
        refuseTypeVariables(method, arg);
      }
    } else if (type instanceof GenericArrayType a) {
      refuseTypeVariables(method, a.getGenericComponentType());
    } else if (type instanceof WildcardType w) {
      for (Type bound : w.getUpperBounds()) {
        refuseTypeVariables(method, bound);
      }
    }
  }
}
