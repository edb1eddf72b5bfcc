package io.communica.core;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;

/**
 * The serializer core works with alone: {@code String} as UTF-8 and {@code byte[]} as themselves.
 * Any other type is a {@link SerializationException} that suggests adding {@code
 * communica-serializers}.
 *
 * @since 0.1
 */
public final class Utf8Serializer extends Serializer {

  /** Content type on the wire. */
  public static final int CONTENT_TYPE = 1;

  @Override
  public String name() {
    return "utf8";
  }

  @Override
  public int contentType() {
    return CONTENT_TYPE;
  }

  @Override
  public int priority() {
    return Integer.MIN_VALUE;
  }

  /** Every instance writes and reads the same way: all are equal. */
  @Override
  public boolean equals(Object other) {
    return other instanceof Utf8Serializer;
  }

  @Override
  public int hashCode() {
    return CONTENT_TYPE;
  }

  /** Strings longer than this many chars are encoded by the JDK. */
  private static final int LONG_STRING = 64;

  @Override
  public void encode(Object value, ByteBuf out) {
    if (value instanceof String s && s.length() > LONG_STRING) {
      // a long string is encoded by the JDK's (intrinsic) encoder and copied once: writing it
      // char by char would first reserve three bytes a char, a buffer up to four times too large
      // while it waits to be written
      out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    } else if (value instanceof CharSequence s) {
      ByteBufUtil.writeUtf8(out, s);
    } else if (value instanceof byte[] bytes) {
      out.writeBytes(bytes);
    } else {
      throw unsupported(value.getClass());
    }
  }

  @Override
  public Object decode(ByteBuf in, Type type) {
    if (type == String.class || type == Object.class || type == CharSequence.class) {
      return in.toString(StandardCharsets.UTF_8);
    }
    if (type == byte[].class) {
      return ByteBufUtil.getBytes(in);
    }
    throw unsupported(type);
  }

  private static SerializationException unsupported(Type type) {
    return new SerializationException(
        "the utf8 serializer carries only String and byte[], not "
            + type.getTypeName()
            + "; add io.communica:communica-serializers for JSON or choose another serializer");
  }
}
