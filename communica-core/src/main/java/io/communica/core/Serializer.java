package io.communica.core;

import io.netty.buffer.ByteBuf;
import java.lang.reflect.Type;
import java.util.Comparator;
import java.util.ServiceLoader;

/**
 * Turns values into payload bytes and back. Entities use one serializer for everything they send
 * and receive; both peers must use the same one (each frame names its serializer's {@link
 * #contentType()}, and a mismatch is reported naming both formats).
 *
 * <p>Implementations are thread-safe and stateless per call. They write into and read from Netty
 * buffers so that a payload is encoded straight into the frame that carries it, without a copy.
 * {@code null} never reaches a serializer: communica sends it as an empty payload flag.
 *
 * <p>{@link #defaultSerializer()} finds serializers on the class path with {@link ServiceLoader}
 * and picks the one with the highest {@link #priority()}; {@code communica-serializers} registers
 * its JSON serializer that way. Without it, {@link Utf8Serializer} (strings and byte arrays) is the
 * default.
 *
 * <p>This is an abstract class rather than an interface so that methods can be added later without
 * breaking implementations.
 *
 * @since 0.1
 */
public abstract class Serializer {

  /** Short lowercase name, used in error messages, e.g. {@code json}. */
  public abstract String name();

  /**
   * Identifier of the format on the wire, 1 to 255. Values 1 to 127 are reserved for communica's
   * own serializers (1 utf8, 2 json, 3 msgpack, 4 cbor, 5 fixed-layout); use 128 to 255 for your
   * own.
   */
  public abstract int contentType();

  /**
   * Writes {@code value} into {@code out}.
   *
   * @throws SerializationException if the value cannot be encoded
   */
  public abstract void encode(Object value, ByteBuf out);

  /**
   * Reads one value of {@code type} from all readable bytes of {@code in}.
   *
   * @throws SerializationException if the bytes do not decode into the type
   */
  public abstract Object decode(ByteBuf in, Type type);

  /**
   * Serializers are compared with {@code equals}, for the rule that one route keeps one serializer
   * on each side: a route used with one serializer fails with {@code IllegalStateException} when
   * it is used with a serializer that is not {@code equals} to it. The default is identity, so
   * that two instances configured differently never count as one. A serializer whose instances are
   * values overrides {@code equals} and {@code hashCode} over everything that changes what it
   * writes or accepts: communica's Jackson serializers compare format, strictness, validator,
   * limits and customizers ({@code new JsonSerializer()} twice is one serializer; plain and
   * validating JSON are two), {@link Utf8Serializer} instances are all equal, and a {@code
   * FixedLayoutSerializer} is equal only to itself.
   */
  @Override
  public boolean equals(Object other) {
    return super.equals(other);
  }

  @Override
  public int hashCode() {
    return super.hashCode();
  }

  /** Rank among serializers found on the class path; the highest becomes the default. */
  public int priority() {
    return 0;
  }

  @Override
  public String toString() {
    return name() + " serializer (content type " + contentType() + ")";
  }

  /**
   * The serializer with the highest {@link #priority()} registered through {@code
   * META-INF/services/io.communica.core.Serializer}, or {@link Utf8Serializer} when none is.
   */
  public static Serializer defaultSerializer() {
    return DefaultHolder.DEFAULT;
  }

  private static final class DefaultHolder {
    static final Serializer DEFAULT =
        ServiceLoader.load(Serializer.class, Serializer.class.getClassLoader()).stream()
            .map(ServiceLoader.Provider::get)
            .max(Comparator.comparingInt(Serializer::priority))
            .orElseGet(Utf8Serializer::new);
  }
}
