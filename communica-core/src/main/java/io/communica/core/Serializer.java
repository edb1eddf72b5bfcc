package io.communica.core;

import io.netty.buffer.ByteBuf;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.Comparator;
import java.util.ServiceLoader;
import org.jspecify.annotations.Nullable;

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
   * Writes the arguments of one call of an interface method ({@link RouteClient#proxy}) as one
   * message, in declaration order. The default writes communica's argument list, which any
   * serializer can carry: a u16 count, then per argument an i32 length ({@code -1} for null) and
   * the bytes {@link #encode} writes for it. Serializers with an array form override this and write
   * an array (communica's Jackson serializers: a JSON, MessagePack or CBOR array); a validating
   * serializer checks each argument against its parameter's constraints first. {@code
   * docs/PROTOCOL.md} describes both encodings.
   *
   * @param method the interface method called
   * @param arguments one per parameter of {@code method}; elements may be null
   * @throws SerializationException if an argument cannot be encoded (the message names it)
   * @since 0.1
   */
  public void encodeArguments(Method method, @Nullable Object[] arguments, ByteBuf out) {
    out.writeShort(arguments.length);
    for (Object argument : arguments) {
      if (argument == null) {
        out.writeInt(-1);
        continue;
      }
      int at = out.writerIndex();
      out.writeInt(0);
      encode(argument, out);
      out.setInt(at, out.writerIndex() - at - 4);
    }
  }

  /**
   * Reads what {@link #encodeArguments} wrote: one value per parameter of {@code method}, each
   * decoded into its parameter's generic type.
   *
   * @throws SerializationException if the count differs from the method's, or an argument does
   *     not decode (the message names the parameter)
   * @since 0.1
   */
  public @Nullable Object[] decodeArguments(ByteBuf in, Method method) {
    Type[] types = method.getGenericParameterTypes();
    if (in.readableBytes() < 2 || in.readUnsignedShort() != types.length) {
      throw new SerializationException(
          "expected an argument list of " + types.length + " for " + method.getName());
    }
    @Nullable Object[] arguments = new Object[types.length];
    for (int i = 0; i < types.length; i++) {
      int length = in.readableBytes() >= 4 ? in.readInt() : -2;
      if (length == -1) {
        if (method.getParameterTypes()[i].isPrimitive()) {
          throw new SerializationException(
              "null for " + method.getParameterTypes()[i] + " parameter '"
                  + method.getParameters()[i].getName() + "' of " + method.getName());
        }
        continue;
      }
      if (length < 0 || length > in.readableBytes()) {
        throw new SerializationException("argument list of " + method.getName() + " is cut short");
      }
      ByteBuf slice = in.readSlice(length);
      try {
        arguments[i] = decode(slice, types[i]);
      } catch (SerializationException e) {
        throw new SerializationException(
            "argument '" + method.getParameters()[i].getName() + "' of " + method.getName() + ": "
                + e.getMessage(),
            e);
      }
    }
    if (in.isReadable()) {
      throw new SerializationException(
          in.readableBytes() + " bytes after the arguments of " + method.getName());
    }
    return arguments;
  }

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
