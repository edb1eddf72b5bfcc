package io.communica.serializers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.communica.core.SerializationException;
import io.communica.core.Serializer;
import io.communica.serializers.Formats.Format;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The four strict checks, in every format: each reported with its path, each off in the default
 * serializer, each one switchable on its own.
 */
class StrictReadingTest {

  enum Colour {
    RED,
    GREEN
  }

  record Line(String sku, int price, boolean gift, Colour colour) {}

  record Cart(String owner, List<Line> lines) {}

  /** A valid line as a map, so that tests can spoil one entry and encode it leniently. */
  static Map<String, Object> line() {
    Map<String, Object> m = new HashMap<>();
    m.put("sku", "A-1");
    m.put("price", 5);
    m.put("gift", false);
    m.put("colour", "RED");
    return m;
  }

  /** A cart whose third line is changed by {@code spoil}. */
  static Map<String, Object> cart(UnaryOperator<Map<String, Object>> spoil) {
    return Map.of("owner", "ann", "lines", List.of(line(), line(), spoil.apply(line())));
  }

  static UnaryOperator<Map<String, Object>> set(String key, Object value) {
    return m -> {
      m.put(key, value);
      return m;
    };
  }

  static UnaryOperator<Map<String, Object>> remove(String key) {
    return m -> {
      m.remove(key);
      return m;
    };
  }

  static Violation onlyViolation(Serializer reader, Format format, Object sent) {
    byte[] bytes = Formats.bytes(format.lenient(), sent);
    Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> Formats.decode(reader, bytes, Cart.class));
    assertThat(e)
        .isInstanceOf(SerializationException.class)
        .hasMessageStartingWith("cannot decode " + format.name() + " as " + Cart.class.getTypeName() + " (1 violation):\n  ");
    List<Violation> list = Violation.listIn(e);
    assertThat(list).hasSize(1);
    return list.get(0);
  }

  @ParameterizedTest
  @MethodSource("io.communica.serializers.Formats#formats")
  void unknownProperty(Format format) {
    Violation v = onlyViolation(format.strict(), format, cart(set("size", 3)));
    assertThat(v.path()).isEqualTo("lines[2].size");
    assertThat(v.message()).isEqualTo("unknown property (known: colour, gift, price, sku)");
  }

  @ParameterizedTest
  @MethodSource("io.communica.serializers.Formats#formats")
  void nullForAPrimitive(Format format) {
    Violation v = onlyViolation(format.strict(), format, cart(set("price", null)));
    assertThat(v.path()).isEqualTo("lines[2].price");
    assertThat(v.message()).isEqualTo("Cannot map `null` into type `int`");
  }

  @ParameterizedTest
  @MethodSource("io.communica.serializers.Formats#formats")
  void numericCoercion(Format format) {
    Serializer strict = format.strict();
    record Case(String key, Object value, String message) {}
    List<Case> cases =
        List.of(
            new Case("price", "5", "Cannot coerce String value (\"5\") to `int` value"),
            new Case("price", 5.5, "Cannot coerce Floating-point value (5.5) to `int` value"),
            new Case("gift", 1, "Cannot coerce Integer value (1) to `boolean` value"),
            new Case("gift", "true", "Cannot coerce String value (\"true\") to `boolean` value"),
            new Case("sku", 12, "Cannot coerce Integer value (12) to `java.lang.String` value"));
    for (Case c : cases) {
      Violation v = onlyViolation(strict, format, cart(set(c.key(), c.value())));
      assertThat(v).isEqualTo(new Violation("lines[2]." + c.key(), c.message()));
    }
    Violation v = onlyViolation(strict, format, cart(set("colour", 0)));
    assertThat(v.path()).isEqualTo("lines[2].colour");
    assertThat(v.message()).contains("from number 0: not allowed to deserialize Enum value out of number");
  }

  @ParameterizedTest
  @MethodSource("io.communica.serializers.Formats#formats")
  void missingProperty(Format format) {
    Violation v = onlyViolation(format.strict(), format, cart(remove("price")));
    assertThat(v).isEqualTo(new Violation("lines[2].price", "Missing required creator property 'price' (index 1)"));
    Violation owner =
        onlyViolation(format.strict(), format, Map.of("lines", List.of(line())));
    assertThat(owner.path()).isEqualTo("owner");
  }

  @ParameterizedTest
  @MethodSource("io.communica.serializers.Formats#formats")
  void aWrongShapeAtTheTopHasTheRootPath(Format format) {
    Violation v = onlyViolation(format.strict(), format, List.of(1, 2));
    assertThat(v.path()).isEmpty();
    assertThat(v.message()).contains("Cannot deserialize value of type");
  }

  @ParameterizedTest
  @MethodSource("io.communica.serializers.Formats#formats")
  void theDefaultSerializerAcceptsAllOfIt(Format format) {
    Serializer lenient = format.lenient();
    Map<String, Object> loose = line();
    loose.put("size", 3);
    loose.put("price", "5");
    loose.put("gift", 1);
    loose.remove("colour");
    Object sent = Map.of("owner", "ann", "lines", List.of(loose, set("price", null).apply(line())));
    Cart cart = (Cart) Formats.decode(lenient, Formats.bytes(lenient, sent), Cart.class);
    assertThat(cart.lines())
        .containsExactly(new Line("A-1", 5, true, null), new Line("A-1", 0, false, Colour.RED));
  }

  @ParameterizedTest
  @MethodSource("io.communica.serializers.Formats#formats")
  void eachCheckCanBeRelaxedAlone(Format format) {
    Serializer lenient = format.lenient();
    Map<Object, Serializer> relaxed =
        Map.of(
            cart(set("size", 3)), format.builder().get().validating().failOnUnknownProperties(false).build(),
            cart(set("price", null)), format.builder().get().validating().failOnNullForPrimitives(false).build(),
            cart(set("price", "5")), format.builder().get().validating().failOnNumericCoercion(false).build(),
            // an absent primitive counts as a null one too: relaxing this check alone needs an object
            cart(remove("sku")), format.builder().get().validating().failOnMissingProperties(false).build());
    relaxed.forEach(
        (sent, reader) -> {
          byte[] bytes = Formats.bytes(lenient, sent);
          assertThat(Formats.decode(reader, bytes, Cart.class)).isInstanceOf(Cart.class);
          // the other three checks stay: the strict serializer refuses the same bytes
          assertThatThrownBy(() -> Formats.decode(format.strict(), bytes, Cart.class))
              .isInstanceOf(SerializationException.class);
        });
    assertThat(format.builder().get().strict().failOnMissingProperties(false).build())
        .hasToString(format.name() + " serializer (content type " + format.lenient().contentType() + ", partly strict)");
  }

  @ParameterizedTest
  @MethodSource("io.communica.serializers.Formats#formats")
  void syntaxErrorsAreOneLineWithAPosition(Format format) {
    byte[] good = Formats.bytes(format.lenient(), cart(UnaryOperator.identity()));
    byte[] cut = java.util.Arrays.copyOf(good, good.length - 3);
    assertThatThrownBy(() -> Formats.decode(format.strict(), cut, Cart.class))
        .isInstanceOf(SerializationException.class)
        .hasMessageStartingWith("cannot decode " + format.name())
        .hasMessageContaining("(at ")
        .satisfies(e -> assertThat(Violation.listIn(e)).isEmpty());
  }

  @ParameterizedTest
  @MethodSource("io.communica.serializers.Formats#formats")
  void trailingDataIsRefused(Format format) {
    byte[] good = Formats.bytes(format.lenient(), "x");
    byte[] twice = new byte[good.length * 2];
    System.arraycopy(good, 0, twice, 0, good.length);
    System.arraycopy(good, 0, twice, good.length, good.length);
    assertThatThrownBy(() -> Formats.decode(format.lenient(), twice, String.class))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining(format.name().equals("msgpack") ? "bytes after the value" : "Trailing token");
  }
}
