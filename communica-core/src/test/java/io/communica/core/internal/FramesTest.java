package io.communica.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.Utf8Serializer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FramesTest {

  @Test
  void messageLayoutMatchesTheProtocolDocument() {
    ByteBuf f =
        Frames.message(
            ByteBufAllocator.DEFAULT, Frames.REQUEST, 0x01020304, RouteIndex.utf8("añadir"), "hola", new Utf8Serializer());
    try {
      int routeLen = "añadir".getBytes(StandardCharsets.UTF_8).length;
      assertThat(f.getInt(0)).isEqualTo(f.readableBytes() - 4);
      assertThat((int) f.getUnsignedByte(Frames.OFF_VERSION)).isEqualTo(1);
      assertThat((int) f.getUnsignedByte(Frames.OFF_TYPE)).isEqualTo(0x10);
      assertThat(f.getUnsignedByte(Frames.OFF_FLAGS)).isZero();
      assertThat((int) f.getUnsignedByte(Frames.OFF_CONTENT)).isEqualTo(Utf8Serializer.CONTENT_TYPE);
      assertThat(f.getInt(Frames.OFF_ID)).isEqualTo(0x01020304);
      assertThat(f.getUnsignedShort(Frames.OFF_ERROR)).isZero();
      assertThat(f.getUnsignedShort(Frames.OFF_ROUTE_LEN)).isEqualTo(routeLen);
      assertThat(Frames.route(f)).isEqualTo("añadir");
      assertThat(f.toString(Frames.HEADER + routeLen, 4, StandardCharsets.UTF_8)).isEqualTo("hola");
      assertThat(Frames.payloadLength(f)).isEqualTo(4);
    } finally {
      f.release();
    }
  }

  @Test
  void nullIsTheEmptyFlagWithoutPayload() {
    ByteBuf f =
        Frames.message(ByteBufAllocator.DEFAULT, Frames.RESPONSE, 9, RouteIndex.NONE, null, new Utf8Serializer());
    try {
      assertThat(f.readableBytes()).isEqualTo(Frames.HEADER);
      assertThat(Frames.flags(f)).isEqualTo(Frames.FLAG_EMPTY);
      assertThat(f.getUnsignedByte(Frames.OFF_CONTENT)).isZero();
    } finally {
      f.release();
    }
  }

  @Test
  void encodingFailureReleasesTheBuffer() {
    ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    try {
      Frames.message(alloc, Frames.REQUEST, 1, RouteIndex.NONE, new Object(), new Utf8Serializer());
    } catch (io.communica.core.SerializationException expected) {
      assertThat(expected).hasMessageContaining("communica-serializers");
      return;
    }
    throw new AssertionError("expected a SerializationException");
  }
}
