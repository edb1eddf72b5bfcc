package io.communica.core.frame;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class MetadataCodecTest {

  @Test
  void pairsRoundTripInOrderWithTheirEncodedSize() {
    Map<String, String> md = new LinkedHashMap<>();
    md.put("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    md.put("ü", "");
    int size = MetadataCodec.pairsSize(md);
    assertThat(size).isEqualTo(4 + 11 + 55 + 4 + 2);
    ByteBuf buf = Unpooled.buffer();
    try {
      MetadataCodec.write(buf, md, size);
      buf.writeByte(42); // the payload after the section
      assertThat(MetadataCodec.declaredSize(buf)).isEqualTo(size);
      assertThat(MetadataCodec.read(buf, size)).containsExactlyEntriesOf(md);
      assertThat(buf.getByte(2 + size)).isEqualTo((byte) 42);
    } finally {
      buf.release();
    }
  }

  @Test
  void malformedSectionsAreFrameErrors() {
    ByteBuf pastEnd = Unpooled.buffer().writeShort(6).writeShort(1).writeByte('k').writeShort(9).writeByte('v');
    ByteBuf emptyKey = Unpooled.buffer().writeShort(4).writeShort(0).writeShort(0);
    try {
      assertThatThrownBy(() -> MetadataCodec.read(pastEnd, 6))
          .isInstanceOf(FrameException.class)
          .hasMessageContaining("runs past the end");
      assertThatThrownBy(() -> MetadataCodec.read(emptyKey, 4))
          .isInstanceOf(FrameException.class)
          .hasMessageContaining("empty metadata key");
    } finally {
      pastEnd.release();
      emptyKey.release();
    }
  }

  @Test
  void theLimitIsCheckedOnTheEncodedSize() {
    assertThat(MetadataCodec.pairsSize(Map.of("k", "v".repeat(8187)))).isEqualTo(8192);
    MetadataCodec.check(Map.of("k", "v".repeat(8187)));
    assertThatThrownBy(() -> MetadataCodec.check(Map.of("k", "é".repeat(4094))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("8193 bytes");
  }
}
