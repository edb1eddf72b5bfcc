package io.communica.core.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.Utf8Serializer;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FramesTest {

  @Test
  void messageLayoutMatchesTheProtocolDocument() {
    ByteBuf f =
        Frames.message(
            ByteBufAllocator.DEFAULT, FrameType.REQUEST, 0x01020304, RouteIndex.utf8("añadir"), "hola", new Utf8Serializer());
    try {
      int routeLen = "añadir".getBytes(StandardCharsets.UTF_8).length;
      assertThat((int) f.getUnsignedByte(0)).isEqualTo(2);
      assertThat((int) f.getUnsignedByte(1)).isEqualTo(0x10);
      assertThat(f.getUnsignedByte(2)).isZero();
      assertThat((int) f.getUnsignedByte(3)).isEqualTo(Utf8Serializer.CONTENT_TYPE);
      assertThat(f.getInt(4)).isEqualTo(0x01020304);
      assertThat(f.getUnsignedShort(8)).isZero();
      assertThat(f.getUnsignedShort(10)).isEqualTo(routeLen);
      assertThat(FrameHeader.route(f)).isEqualTo("añadir");
      assertThat(f.toString(12 + routeLen, 4, StandardCharsets.UTF_8)).isEqualTo("hola");
      assertThat(FrameHeader.payloadLength(f)).isEqualTo(4);
    } finally {
      f.release();
    }
  }

  @Test
  void nullIsTheEmptyFlagWithoutPayload() {
    ByteBuf f =
        Frames.message(ByteBufAllocator.DEFAULT, FrameType.RESPONSE, 9, RouteIndex.NONE, null, new Utf8Serializer());
    try {
      assertThat(f.readableBytes()).isEqualTo(FrameHeader.SIZE);
      assertThat(FrameHeader.flags(f)).isEqualTo(FrameHeader.FLAG_EMPTY);
      assertThat(FrameHeader.contentType(f)).isZero();
    } finally {
      f.release();
    }
  }

  @Test
  void encodingFailureReleasesTheBuffer() {
    ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    try {
      Frames.message(alloc, FrameType.REQUEST, 1, RouteIndex.NONE, new Object(), new Utf8Serializer());
    } catch (io.communica.core.SerializationException expected) {
      assertThat(expected).hasMessageContaining("communica-serializers");
      return;
    }
    throw new AssertionError("expected a SerializationException");
  }
}
