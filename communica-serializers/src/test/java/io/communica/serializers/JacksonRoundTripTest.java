package io.communica.serializers;

import static io.communica.serializers.Formats.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.communica.core.SerializationException;
import io.communica.core.Serializer;
import io.communica.core.TypeRef;
import io.communica.serializers.Formats.Format;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every Jackson format carries the same types, tolerant or strict and validating. */
class JacksonRoundTripTest {

  enum Status {
    OPEN,
    CLOSED
  }

  record Item(String name, int count, Optional<String> note, OptionalInt rank) {}

  record Order(
      long id,
      List<Item> items,
      Map<String, List<Item>> byShelf,
      Instant at,
      LocalDate due,
      Duration window,
      byte[] blob,
      Status status,
      @Nullable String comment,
      BigDecimal total,
      BigInteger serial,
      double ratio,
      boolean paid,
      char grade) {}

  record Page<T>(List<T> entries, @Nullable T first, int total) {}

  static Order order() {
    return new Order(
        7,
        List.of(
            new Item("a", 1, Optional.empty(), OptionalInt.empty()),
            new Item("b", 2, Optional.of("fragile"), OptionalInt.of(3))),
        Map.of("top", List.of(new Item("c", 3, Optional.empty(), OptionalInt.of(1)))),
        Instant.parse("2026-11-22T10:15:30.123456789Z"),
        LocalDate.of(2026, 12, 24),
        Duration.ofMillis(1500),
        new byte[] {0, 1, 2, (byte) 255},
        Status.CLOSED,
        null,
        new BigDecimal("12345678901234567890.125"),
        new BigInteger("-98765432109876543210"),
        0.25,
        true,
        'B');
  }

  static void assertSameOrder(Order back, Order order) {
    assertThat(back)
        .usingRecursiveComparison()
        .withEqualsForType(BigDecimal::equals, BigDecimal.class)
        .isEqualTo(order);
    assertThat(back.blob()).isEqualTo(order.blob());
  }

  @ParameterizedTest
  @MethodSource("io.communica.serializers.Formats#formatsAndBuffers")
  void recordsWithTimeBytesEnumsOptionalsAndNulls(Format format, boolean direct) {
    for (Serializer s : List.of(format.lenient(), format.validating())) {
      Order back = (Order) roundTrip(s, s, order(), Order.class, direct);
      assertSameOrder(back, order());
    }
  }

  @ParameterizedTest
  @MethodSource("io.communica.serializers.Formats#formats")
  void nestedGenericsThroughTypeRef(Format format) {
    Page<Map<String, List<Item>>> page =
        new Page<>(
            List.of(Map.of("k", List.of(new Item("n", 3, Optional.empty(), OptionalInt.empty())))),
            null,
            1);
    var type = new TypeRef<Page<Map<String, List<Item>>>>() {}.type();
    for (Serializer s : List.of(format.lenient(), format.validating())) {
      assertThat(roundTrip(s, s, page, type, false)).isEqualTo(page);
    }
  }

  @ParameterizedTest
  @MethodSource("io.communica.serializers.Formats#formats")
  void plainValues(Format format) {
    Serializer s = format.validating();
    assertThat(roundTrip(s, s, "text", String.class, false)).isEqualTo("text");
    assertThat(roundTrip(s, s, "", String.class, false)).isEqualTo("");
    assertThat(roundTrip(s, s, 42, Integer.class, false)).isEqualTo(42);
    assertThat(roundTrip(s, s, Long.MIN_VALUE, long.class, false)).isEqualTo(Long.MIN_VALUE);
    assertThat(roundTrip(s, s, new byte[] {9, 8}, byte[].class, false)).isEqualTo(new byte[] {9, 8});
    assertThat(roundTrip(s, s, Status.OPEN, Status.class, false)).isEqualTo(Status.OPEN);
    assertThat(roundTrip(s, s, List.of(1, 2), new TypeRef<List<Integer>>() {}.type(), false))
        .isEqualTo(List.of(1, 2));
    assertThat(roundTrip(s, s, Set.of("x"), new TypeRef<Set<String>>() {}.type(), false))
        .isEqualTo(Set.of("x"));
    assertThat(roundTrip(s, s, Map.of("a", 1), Object.class, false)).isEqualTo(Map.of("a", 1));
  }

  @ParameterizedTest
  @MethodSource("io.communica.serializers.Formats#formats")
  void absentOptionalComponentsAreEmptyEvenWhenStrict(Format format) {
    Serializer lenient = format.lenient();
    Serializer strict = format.strict();
    Object sent = Map.of("name", "a", "count", 1);
    Item back = (Item) roundTrip(lenient, strict, sent, Item.class, false);
    assertThat(back).isEqualTo(new Item("a", 1, Optional.empty(), OptionalInt.empty()));
  }

  @ParameterizedTest
  @MethodSource("io.communica.serializers.Formats#formats")
  void aNullValueIsAnErrorNotANullResult(Format format) {
    // core sends null as an empty-payload flag; a null in the payload itself is refused
    Serializer s = format.lenient();
    byte[] topNull =
        switch (format.name()) {
          case "json" -> "null".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
          case "msgpack" -> new byte[] {(byte) 0xc0};
          default -> new byte[] {(byte) 0xf6};
        };
    assertThatThrownBy(() -> Formats.decode(s, topNull, Item.class))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining(format.name() + " null")
        .hasMessageContaining(Item.class.getTypeName());
  }

  @ParameterizedTest
  @MethodSource("io.communica.serializers.Formats#formats")
  void eachFormatNamesItselfWithItsContentType(Format format) {
    JacksonSerializer s = format.validating();
    int expected = switch (format.name()) {
      case "json" -> 2;
      case "msgpack" -> 3;
      default -> 4;
    };
    assertThat(s.name()).isEqualTo(format.name());
    assertThat(s.contentType()).isEqualTo(expected);
    assertThat(s.isValidating()).isTrue();
    assertThat(s).hasToString(format.name() + " serializer (content type " + expected + ", strict, validating)");
    assertThat(format.lenient()).hasToString(format.name() + " serializer (content type " + expected + ")");
  }

  @Test
  void onlyJsonIsTheDefault() {
    assertThat(Serializer.defaultSerializer()).isInstanceOf(JsonSerializer.class);
    assertThat(new JsonSerializer().priority()).isGreaterThan(new MessagePackSerializer().priority());
    assertThat(new JsonSerializer().priority()).isGreaterThan(new CborSerializer().priority());
  }

  @Test
  void ownMappersMustBeOfTheFormat() {
    assertThatThrownBy(() -> MessagePackSerializer.of(JsonSerializer.defaultMapper()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("msgpack");
    assertThatThrownBy(() -> JsonSerializer.of(new CborSerializer().mapper()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("json");
    assertThat(CborSerializer.of(new CborSerializer().mapper()).isValidating()).isFalse();
  }
}
