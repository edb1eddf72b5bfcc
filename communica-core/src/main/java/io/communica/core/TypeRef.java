package io.communica.core;

import static java.util.Objects.requireNonNull;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;

/**
 * A Java type with its generic arguments, for decoding replies and requests into types such as
 * {@code List<Order>} that a {@code Class} cannot name:
 *
 * <pre>{@code
 * Mono<List<Order>> orders = client.request("orders", query, new TypeRef<List<Order>>() {});
 * }</pre>
 *
 * @param <T> the type
 * @since 0.1
 */
public abstract class TypeRef<T> {

  private final Type type;

  /** Captures the type argument of the anonymous subclass. */
  protected TypeRef() {
    Type superclass = getClass().getGenericSuperclass();
    if (!(superclass instanceof ParameterizedType p)) {
      throw new IllegalArgumentException(
          "TypeRef must be created with a type argument, e.g. new TypeRef<List<String>>() {}");
    }
    this.type = p.getActualTypeArguments()[0];
  }

  private TypeRef(Type type) {
    this.type = requireNonNull(type, "type");
  }

  /** A reference to a plain class. */
  public static <T> TypeRef<T> of(Class<T> type) {
    return new TypeRef<>(type) {};
  }

  /** A reference to any reflective type; unchecked, as the compiler cannot verify it. */
  public static <T> TypeRef<T> ofType(Type type) {
    return new TypeRef<>(type) {};
  }

  /** The captured type. */
  public final Type type() {
    return type;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TypeRef<?> other && other.type.equals(type);
  }

  @Override
  public int hashCode() {
    return type.hashCode();
  }

  @Override
  public String toString() {
    return type.getTypeName();
  }
}
