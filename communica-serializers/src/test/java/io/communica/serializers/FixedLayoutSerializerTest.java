package io.communica.serializers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.communica.core.SerializationException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FixedLayoutSerializerTest {

  sealed interface Telemetry permits Imu, Battery {}

  record Imu(long micros, float ax, float ay, float az) implements Telemetry {}

  record Battery(short millivolts, byte percent, boolean charging) implements Telemetry {}

  record Everything(
      boolean z, byte b, short s, char c, int i, long l, float f, double d) {}

  private record Hidden(int x) {}

  record Empty() {}

  record NotFlat(int x, String name) {}

  static FixedLayoutSerializer serializer(ByteOrder order) {
    return FixedLayoutSerializer.builder()
        .byteOrder(order)
        .register(1, Imu.class)
        .register(2, Battery.class)
        .register(300, Everything.class)
        .register(0xffff, Hidden.class)
        .register(0, Empty.class)
        .build();
  }

  static byte[] hex(String s) {
    return ByteBufUtil.decodeHexDump(s.replace(" ", ""));
  }

  static Object roundTrip(FixedLayoutSerializer s, Object value, Class<?> type, boolean direct) {
    return Formats.roundTrip(s, s, value, type, direct);
  }

  @ParameterizedTest
  @ValueSource(strings = {"BIG_ENDIAN", "LITTLE_ENDIAN"})
  void everyPrimitiveRoundTripsAtItsExtremes(String orderName) {
    ByteOrder order = orderName.equals("BIG_ENDIAN") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    FixedLayoutSerializer s = serializer(order);
    List<Everything> values =
        List.of(
            new Everything(true, Byte.MIN_VALUE, Short.MIN_VALUE, Character.MIN_VALUE,
                Integer.MIN_VALUE, Long.MIN_VALUE, Float.MIN_VALUE, Double.MIN_VALUE),
            new Everything(false, Byte.MAX_VALUE, Short.MAX_VALUE, Character.MAX_VALUE,
                Integer.MAX_VALUE, Long.MAX_VALUE, Float.MAX_VALUE, Double.MAX_VALUE),
            new Everything(true, (byte) -1, (short) -1, 'é', -1, -1, Float.NaN,
                Double.NEGATIVE_INFINITY),
            new Everything(false, (byte) 0, (short) 0, '\0', 0, 0, -0.0f, -0.0));
    for (Everything v : values) {
      assertThat(roundTrip(s, v, Everything.class, false)).isEqualTo(v);
      assertThat(roundTrip(s, v, Object.class, true)).isEqualTo(v);
    }
    assertThat(s.sizeOf(Everything.class)).isEqualTo(2 + 1 + 1 + 2 + 2 + 4 + 8 + 4 + 8);
    assertThat(roundTrip(s, new Empty(), Empty.class, false)).isEqualTo(new Empty());
    assertThat(roundTrip(s, new Hidden(7), Hidden.class, false)).isEqualTo(new Hidden(7));
  }

  @Test
  void theBytesAreTheIdThenTheFieldsInTheDeclaredOrder() {
    Battery b = new Battery((short) 0x0102, (byte) 0x03, true);
    assertThat(Formats.bytes(serializer(ByteOrder.BIG_ENDIAN), b)).isEqualTo(hex("0002 0102 03 01"));
    assertThat(Formats.bytes(serializer(ByteOrder.LITTLE_ENDIAN), b)).isEqualTo(hex("0200 0201 03 01"));
    Imu imu = new Imu(0x0102030405060708L, 1.0f, -2.0f, 0.5f);
    assertThat(Formats.bytes(serializer(ByteOrder.BIG_ENDIAN), imu))
        .isEqualTo(hex("0001 0102030405060708 3f800000 c0000000 3f000000"));
    assertThat(Formats.bytes(serializer(ByteOrder.LITTLE_ENDIAN), imu))
        .isEqualTo(hex("0100 0807060504030201 0000803f 000000c0 0000003f"));
    Everything e = new Everything(true, (byte) 1, (short) 2, 'A', 3, 4, 5f, 6d);
    assertThat(Formats.bytes(serializer(ByteOrder.BIG_ENDIAN), e))
        .isEqualTo(hex("012c 01 01 0002 0041 00000003 0000000000000004 40a00000 4018000000000000"));
    assertThat(Formats.bytes(serializer(ByteOrder.LITTLE_ENDIAN), e))
        .isEqualTo(hex("2c01 01 01 0200 4100 03000000 0400000000000000 0000a040 0000000000001840"));
  }

  @Test
  void aMessageReadInTheOtherByteOrderIsNotSilentlyAccepted() {
    byte[] big = Formats.bytes(serializer(ByteOrder.BIG_ENDIAN), new Battery((short) 1, (byte) 2, false));
    // id 2 big-endian reads as 512 little-endian: an unknown id, not a garbled Battery
    assertThatThrownBy(() -> Formats.decode(serializer(ByteOrder.LITTLE_ENDIAN), big, Object.class))
        .isInstanceOf(SerializationException.class)
        .hasMessage("unknown fixed-layout message id 512 (registered: 0 Empty, 1 Imu, 2 Battery, 300 Everything, 65535 Hidden)");
  }

  @Test
  void decodingIntoTheSealedInterfaceGivesTheRightRecord() {
    FixedLayoutSerializer s = serializer(ByteOrder.BIG_ENDIAN);
    Telemetry t = (Telemetry) roundTrip(s, new Imu(1, 2, 3, 4), Telemetry.class, false);
    assertThat(t).isEqualTo(new Imu(1, 2, 3, 4));
    assertThatThrownBy(() -> roundTrip(s, new Imu(1, 2, 3, 4), Battery.class, false))
        .isInstanceOf(SerializationException.class)
        .hasMessage("fixed-layout message id 1 is a " + Imu.class.getName() + ", not a " + Battery.class.getName());
  }

  @Test
  void wrongLengthsAndUnknownIdsAreErrors() {
    FixedLayoutSerializer s = serializer(ByteOrder.BIG_ENDIAN);
    assertThatThrownBy(() -> Formats.decode(s, hex("0002 0102 03"), Object.class))
        .isInstanceOf(SerializationException.class)
        .hasMessage("fixed-layout message id 2 (Battery) has 6 bytes, but 5 arrived (too short)");
    assertThatThrownBy(() -> Formats.decode(s, hex("0002 0102 03 01 00"), Object.class))
        .hasMessage("fixed-layout message id 2 (Battery) has 6 bytes, but 7 arrived (too long)");
    assertThatThrownBy(() -> Formats.decode(s, hex("00"), Object.class))
        .hasMessage("a fixed-layout message starts with a 2-byte id, but it has 1 byte");
    assertThatThrownBy(() -> Formats.decode(s, new byte[0], Object.class))
        .hasMessage("a fixed-layout message starts with a 2-byte id, but it has 0 bytes");
    assertThatThrownBy(() -> Formats.decode(s, hex("0003 0000"), Object.class))
        .hasMessageStartingWith("unknown fixed-layout message id 3 (registered: ");
    assertThatThrownBy(() -> Formats.decode(s, hex("0002 0102 03 07"), Object.class))
        .hasMessage("a fixed-layout boolean is 0 or 1, not 7 (at byte 5)");
  }

  @Test
  void decodingLeavesNothingUnread() {
    FixedLayoutSerializer s = serializer(ByteOrder.BIG_ENDIAN);
    ByteBuf buf = Unpooled.buffer().writeBytes(hex("ffff 00000000 0002 0001 00 00"));
    try {
      buf.skipBytes(6);
      assertThat(s.decode(buf, Battery.class)).isEqualTo(new Battery((short) 1, (byte) 0, false));
      assertThat(buf.isReadable()).isFalse();
    } finally {
      buf.release();
    }
  }

  @Test
  void unregisteredTypesAreRefusedWhenEncoding() {
    FixedLayoutSerializer s = serializer(ByteOrder.BIG_ENDIAN);
    ByteBuf out = Unpooled.buffer();
    try {
      assertThatThrownBy(() -> s.encode(new NotFlat(1, "x"), out))
          .isInstanceOf(SerializationException.class)
          .hasMessageStartingWith(NotFlat.class.getName() + " is not registered with this fixed-layout serializer");
      assertThatThrownBy(() -> s.encode("text", out)).isInstanceOf(SerializationException.class);
      assertThat(out.writerIndex()).isZero();
    } finally {
      out.release();
    }
  }

  @Test
  void registrationChecksTypesAndIds() {
    assertThatThrownBy(() -> FixedLayoutSerializer.builder().register(1, NotFlat.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("component name of " + NotFlat.class.getName()
            + " is a java.lang.String; a fixed-layout message has only primitives");
    assertThatThrownBy(() -> FixedLayoutSerializer.builder().register(1, Imu.class).register(1, Battery.class))
        .hasMessage("message id 1 is already " + Imu.class.getName());
    assertThatThrownBy(() -> FixedLayoutSerializer.builder().register(1, Imu.class).register(2, Imu.class))
        .hasMessage(Imu.class.getName() + " already has id 1");
    assertThatThrownBy(() -> FixedLayoutSerializer.builder().register(65_536, Imu.class))
        .hasMessage("message id 65536 is not in 0..65535");
    assertThatThrownBy(() -> FixedLayoutSerializer.builder().register(-1, Imu.class))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void namesItself() {
    FixedLayoutSerializer s = serializer(ByteOrder.LITTLE_ENDIAN);
    assertThat(s.name()).isEqualTo("fixed-layout");
    assertThat(s.contentType()).isEqualTo(5);
    assertThat(s.byteOrder()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
    assertThat(s).hasToString("fixed-layout serializer (content type 5, little-endian, 5 message types)");
  }
}
