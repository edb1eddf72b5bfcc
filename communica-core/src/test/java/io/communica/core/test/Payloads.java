package io.communica.core.test;

import io.communica.core.Serializer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/** Sizes of encoded test payloads, whatever the default serializer is. */
public final class Payloads {

  private Payloads() {}

  /** Bytes the default serializer adds to a string beyond its UTF-8 length (JSON's quotes). */
  public static int overhead(String sample) {
    ByteBuf buf = Unpooled.buffer();
    try {
      Serializer.defaultSerializer().encode(sample, buf);
      return buf.readableBytes() - sample.length();
    } finally {
      buf.release();
    }
  }
}
