package io.communica.test.contract;

import io.communica.core.Serializer;
import io.communica.core.Utf8Serializer;
import io.netty.buffer.ByteBuf;
import java.lang.reflect.Type;

/** UTF-8 under another content type (200): a format no peer has unless it is given this one. */
public final class TaggedSerializer extends Serializer {

  private final Utf8Serializer utf8 = new Utf8Serializer();

  @Override
  public String name() {
    return "tagged";
  }

  @Override
  public int contentType() {
    return 200;
  }

  @Override
  public void encode(Object value, ByteBuf out) {
    utf8.encode(value, out);
  }

  @Override
  public Object decode(ByteBuf in, Type type) {
    return utf8.decode(in, type);
  }
}
