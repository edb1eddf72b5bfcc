package io.communica.serializers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.communica.core.SerializationException;
import io.communica.core.Serializer;
import io.communica.serializers.Formats.Format;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Input a peer could send to hurt the receiver: deep nesting, huge numbers, long strings, lengths
 * that promise more bytes than there are. Each is a {@link SerializationException} that says
 * what, quickly, with no stack overflow and no allocation sized by the input's claims.
 */
@Timeout(20)
class HostileInputTest {

  record Holder(Object value) {}

  record Count(int n) {}

  /** {@code depth} levels of one-element arrays, the innermost empty. */
  static byte[] nested(Format format, int depth) {
    return switch (format.name()) {
      case "json" -> ("[".repeat(depth) + "]".repeat(depth)).getBytes(StandardCharsets.US_ASCII);
      case "msgpack" -> repeat((byte) 0x91, depth - 1, (byte) 0x90);
      default -> repeat((byte) 0x81, depth - 1, (byte) 0x80);
    };
  }

  /** {@code depth} nested one-entry maps {"value": ...} around an empty one. */
  static byte[] nestedMaps(Format format, int depth) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] open =
        switch (format.name()) {
          case "json" -> "{\"value\":".getBytes(StandardCharsets.US_ASCII);
          case "msgpack" -> new byte[] {(byte) 0x81, (byte) 0xa5, 'v', 'a', 'l', 'u', 'e'};
          default -> new byte[] {(byte) 0xa1, 0x65, 'v', 'a', 'l', 'u', 'e'};
        };
    for (int i = 0; i < depth; i++) {
      out.writeBytes(open);
    }
    switch (format.name()) {
      case "json" -> {
        out.writeBytes("{}".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes("}".repeat(depth).getBytes(StandardCharsets.US_ASCII));
      }
      case "msgpack" -> out.write(0x80);
      default -> out.write(0xa0);
    }
    return out.toByteArray();
  }

  private static byte[] repeat(byte b, int n, byte last) {
    byte[] out = new byte[n + 1];
    Arrays.fill(out, b);
    out[n] = last;
    return out;
  }

  @ParameterizedTest
  @MethodSource("io.communica.serializers.Formats#formats")
  void deepNestingIsRefusedWithoutAStackOverflow(Format format) {
    for (Serializer s : List.of(format.lenient(), format.validating())) {
      for (byte[] deep : List.of(nested(format, 200_000), nestedMaps(format, 200_000))) {
        // a Holder cannot be read from an array: only the maps reach the limit in it
        var types = deep[0] == nested(format, 2)[0]
            ? List.of(Object.class, JsonNode.class, List.class)
            : List.of(Object.class, JsonNode.class, Holder.class, Map.class);
        for (var type : types) {
          assertThatThrownBy(() -> Formats.decode(s, deep, type))
              .as("%s into %s", s, type)
              .isInstanceOf(SerializationException.class)
              .hasMessageContaining("depth")
              .hasMessageContaining("500");
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("io.communica.serializers.Formats#formats")
  void nestingWithinTheLimitDecodes(Format format) {
    Serializer s = format.lenient();
    Object value = Formats.decode(s, nestedMaps(format, 400), Object.class);
    int depth = 0;
    while (value instanceof Map<?, ?> m && !m.isEmpty()) {
      value = m.get("value");
      depth++;
    }
    assertThat(depth).isEqualTo(400);
    Serializer shallow = format.builder().get().maxNestingDepth(10).build();
    assertThat(Formats.decode(shallow, nested(format, 10), Object.class)).isInstanceOf(List.class);
    assertThatThrownBy(() -> Formats.decode(shallow, nested(format, 11), Object.class))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("10");
  }

  @Test
  void hugeJsonNumbersAreRefused() {
    Serializer json = new JsonSerializer();
    byte[] digits = ("1" + "0".repeat(100_000)).getBytes(StandardCharsets.US_ASCII);
    for (var type : List.of(BigInteger.class, Object.class, JsonNode.class, double.class)) {
      assertThatThrownBy(() -> Formats.decode(json, digits, type))
          .isInstanceOf(SerializationException.class)
          .hasMessageContaining("Number value length (100001) exceeds the maximum allowed (1000");
    }
    byte[] exponent = "1e999999999".getBytes(StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> Formats.decode(json, exponent, BigInteger.class))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("exceeds the maximum allowed");
    byte[] inField = "{\"n\":99999999999}".getBytes(StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> Formats.decode(json, inField, Count.class))
        .isInstanceOf(SerializationException.class)
        .hasMessageEndingWith("\n  n: Numeric value (99999999999) out of range of int (-2147483648 - 2147483647)");
  }

  @Test
  void msgpackIntegersDoNotWrapAround() {
    Serializer msgpack = new MessagePackSerializer();
    byte[] u64max = {(byte) 0xcf, -1, -1, -1, -1, -1, -1, -1, -1};
    byte[] fiveBillion = Formats.bytes(msgpack, 5_000_000_000L);
    byte[] inField = Formats.bytes(msgpack, Map.of("n", 5_000_000_000L));
    assertThatThrownBy(() -> Formats.decode(msgpack, fiveBillion, int.class))
        .hasMessageContaining("out of range of int");
    assertThatThrownBy(() -> Formats.decode(msgpack, u64max, long.class))
        .hasMessageContaining("out of range of long");
    assertThatThrownBy(() -> Formats.decode(msgpack, Formats.bytes(msgpack, 70_000), short.class))
        .hasMessageContaining("out of range of short");
    assertThatThrownBy(() -> Formats.decode(msgpack, Formats.bytes(msgpack, 300), byte.class))
        .hasMessageContaining("out of range of byte");
    assertThat(Violation.listIn(org.assertj.core.api.Assertions.catchThrowable(
            () -> Formats.decode(msgpack, inField, Count.class))))
        .containsExactly(new Violation("n", "Numeric value (5000000000) out of range of int (-2147483648 - 2147483647)"));
    assertThat(Formats.decode(msgpack, u64max, BigInteger.class))
        .isEqualTo(new BigInteger("18446744073709551615"));
    assertThat(Formats.decode(msgpack, fiveBillion, long.class)).isEqualTo(5_000_000_000L);
  }

  @Test
  void hugeCborBignumsAreRefused() {
    byte[] bignum = new byte[6 + 20_000];
    bignum[0] = (byte) 0xc2; // tag 2: positive bignum
    bignum[1] = 0x5a; // byte string, 4-byte length
    bignum[4] = (byte) (20_000 >> 8);
    bignum[5] = (byte) (20_000 & 0xff);
    bignum[6] = 1;
    for (var type : List.of(BigInteger.class, Object.class, int.class)) {
      assertThatThrownBy(() -> Formats.decode(new CborSerializer(), bignum, type))
          .isInstanceOf(SerializationException.class)
          .hasMessageContaining("exceeds the maximum allowed (1000");
    }
  }

  @ParameterizedTest
  @MethodSource("io.communica.serializers.Formats#formats")
  void longStringsWithinTheMessageLimitDecode(Format format) {
    String eightMegabytes = "é".repeat(4 << 20);
    Serializer s = format.validating();
    assertThat(Formats.roundTrip(s, s, new Holder(eightMegabytes), Holder.class, true))
        .isEqualTo(new Holder(eightMegabytes));
  }

  @ParameterizedTest
  @MethodSource("io.communica.serializers.Formats#formats")
  void stringsOverTheirOwnLimitAreRefused(Format format) {
    Serializer limited = format.builder().get().maxStringLength(1000).build();
    Serializer s = format.lenient();
    assertThat(Formats.roundTrip(s, limited, "x".repeat(1000), String.class, false)).isNotNull();
    assertThatThrownBy(() -> Formats.roundTrip(s, limited, Map.of("k", "x".repeat(1001)), Object.class, false))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("1001")
        .hasMessageContaining("1000");
  }

  /** msgpack lengths and counts that claim more than the message holds. */
  @Test
  void msgpackLengthsBeyondTheDataAreRefusedBeforeAllocating() {
    Serializer msgpack = new MessagePackSerializer();
    byte[][] lies = {
      {(byte) 0xdb, 0x7f, -1, -1, -16, 'a', 'b'}, // str32 of 2 GiB
      {(byte) 0xc6, 0x7f, -1, -1, -16, 'a', 'b'}, // bin32
      {(byte) 0xc9, 0x7f, -1, -1, -16, 1, 'a'}, // ext32
      {(byte) 0xdd, 0x7f, -1, -1, -16, 1, 2}, // array32 of 2 G elements
      {(byte) 0xdf, 0x7f, -1, -1, -16, 1, 2}, // map32
      {(byte) 0xda, 0x00}, // str16 whose length is cut off
      {(byte) 0xc1}, // never used
      {(byte) 0x92, 0x01}, // array of 2 with 1 element
    };
    List<String> expected =
        List.of(
            "a value declares 2147483632 bytes but only 2 follow",
            "a value declares 2147483632 bytes but only 2 follow",
            "a value declares 2147483633 bytes but only 2 follow",
            "a container declares 2147483632 values but only 2 bytes follow",
            "a container declares 4294967264 values but only 2 bytes follow",
            "the data ends inside a value",
            "byte 0xc1 is not msgpack",
            "a container declares 2 values but only 1 bytes follow");
    for (int i = 0; i < lies.length; i++) {
      byte[] lie = lies[i];
      assertThatThrownBy(() -> Formats.decode(msgpack, lie, Object.class))
          .isInstanceOf(SerializationException.class)
          .hasMessageStartingWith("cannot decode msgpack: " + expected.get(i));
    }
  }

  @Test
  void cborLengthsBeyondTheDataAreRefused() {
    Serializer cbor = new CborSerializer();
    byte[][] lies = {
      {0x7a, 0x7f, -1, -1, -16, 'a', 'b'}, // text of 2 GiB
      {0x5a, 0x7f, -1, -1, -16, 'a', 'b'}, // bytes
      {(byte) 0x9a, 0x7f, -1, -1, -16, 1, 2}, // array
      {(byte) 0xba, 0x7f, -1, -1, -16, 1, 2}, // map
    };
    for (byte[] lie : lies) {
      assertThatThrownBy(() -> Formats.decode(cbor, lie, Object.class))
          .isInstanceOf(SerializationException.class)
          .hasMessageStartingWith("cannot decode cbor as java.lang.Object: Unexpected end-of-input");
    }
  }
}
