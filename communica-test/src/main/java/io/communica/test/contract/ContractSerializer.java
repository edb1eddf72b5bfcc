package io.communica.test.contract;

import io.communica.core.SerializationException;
import io.communica.core.Serializer;
import io.communica.core.Utf8Serializer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;

/**
 * The serializer of the contract suite, so that its results do not depend on which serializers
 * are on the class path: strings as UTF-8, byte arrays as themselves, integers as decimal text. A
 * payload that is not a decimal integer fails to decode as one, which the error tests rely on.
 */
public final class ContractSerializer extends Serializer {

  /** Content type on the wire: one of those left to applications, used by no real serializer. */
  public static final int CONTENT_TYPE = 199;

  /** The one instance the suite uses; stateless. */
  public static final ContractSerializer INSTANCE = new ContractSerializer();

  private static final Utf8Serializer TEXT = new Utf8Serializer();

  private ContractSerializer() {}

  @Override
  public String name() {
    return "contract";
  }

  @Override
  public int contentType() {
    return CONTENT_TYPE;
  }

  @Override
  public void encode(Object value, ByteBuf out) {
    if (value instanceof Integer i) {
      ByteBufUtil.writeAscii(out, Integer.toString(i));
    } else {
      TEXT.encode(value, out); // strings and byte arrays; it refuses anything else
    }
  }

  @Override
  public Object decode(ByteBuf in, Type type) {
    if (type == Integer.class || type == int.class) {
      String text = in.toString(StandardCharsets.US_ASCII);
      try {
        return Integer.valueOf(text);
      } catch (NumberFormatException e) {
        throw new SerializationException("not a decimal integer: '" + text + "'", e);
      }
    }
    return TEXT.decode(in, type);
  }
}
