package io.communica.serializers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.communica.core.RequestException;
import io.communica.core.SerializationException;
import io.communica.core.Serializer;
import io.communica.serializers.Formats.Format;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import jakarta.validation.Valid;
import jakarta.validation.Validation;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Bean Validation on both sides, in every format, and the violation message format. */
class ValidationTest {

  record Item(@NotBlank String sku, @Positive int price, @Max(99) int quantity) {}

  record Customer(@NotBlank String name, @Email String email) {}

  record Order(
      @NotNull @Size(min = 1, max = 4) List<@Valid Item> items,
      @Valid @NotNull Customer customer,
      List<@NotBlank String> tags,
      @Nullable Map<String, @Valid Item> extras) {}

  /** A class-level rule: from must not be after to. */
  @Target(ElementType.TYPE)
  @Retention(RetentionPolicy.RUNTIME)
  @Constraint(validatedBy = RangeCheck.class)
  @interface Ordered {
    String message() default "from must not be after to";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};
  }

  public static final class RangeCheck implements ConstraintValidator<Ordered, Range> {
    @Override
    public boolean isValid(Range r, ConstraintValidatorContext context) {
      return r.from() <= r.to();
    }
  }

  @Ordered
  record Range(int from, int to) {}

  static final Item GOOD = new Item("A-1", 5, 1);

  static Order invalidOrder() {
    return new Order(
        List.of(GOOD, GOOD, new Item("A-3", 0, 100)),
        new Customer(" ", "not an address"),
        List.of("ok", ""),
        Map.of("gift", new Item("", 1, 1)));
  }

  static final String EXPECTED =
      "invalid " + Order.class.getName() + " (6 violations):\n"
          + "  customer.email: must be a well-formed email address\n"
          + "  customer.name: must not be blank\n"
          + "  extras[gift].sku: must not be blank\n"
          + "  items[2].price: must be greater than 0\n"
          + "  items[2].quantity: must be less than or equal to 99\n"
          + "  tags[1]: must not be blank";

  @ParameterizedTest
  @MethodSource("io.communica.serializers.Formats#formats")
  void sendingInvalidDataFailsBeforeWritingAnything(Format format) {
    Serializer s = format.validating();
    ByteBuf out = Unpooled.buffer();
    try {
      assertThatThrownBy(() -> s.encode(invalidOrder(), out))
          .isInstanceOf(SerializationException.class)
          .hasMessage(EXPECTED);
      assertThat(out.writerIndex()).isZero();
    } finally {
      out.release();
    }
  }

  @ParameterizedTest
  @MethodSource("io.communica.serializers.Formats#formats")
  void receivingInvalidDataFailsWithTheSameList(Format format) {
    byte[] bytes = Formats.bytes(format.lenient(), invalidOrder());
    assertThatThrownBy(() -> Formats.decode(format.validating(), bytes, Order.class))
        .isInstanceOf(SerializationException.class)
        .hasMessage(EXPECTED);
  }

  @ParameterizedTest
  @MethodSource("io.communica.serializers.Formats#formats")
  void validDataPassesAndNullableFieldsStayNull(Format format) {
    Order ok = new Order(List.of(GOOD), new Customer("ann", "ann@example.com"), List.of(), null);
    Serializer s = format.validating();
    assertThat(Formats.roundTrip(s, s, ok, Order.class, true)).isEqualTo(ok);
  }

  @Test
  void classLevelConstraintsHaveTheRootPath() {
    Serializer s = JsonSerializer.validating();
    Throwable e = catchThrowable(() -> Formats.bytes(s, new Range(3, 1)));
    assertThat(e).hasMessage("invalid " + Range.class.getName() + " (1 violation):\n  (root): from must not be after to");
    assertThat(Violation.listIn(e)).containsExactly(new Violation("", "from must not be after to"));
  }

  @Test
  void collectionsAtTheTopAreCheckedElementByElement() {
    Serializer s = JsonSerializer.validating();
    assertThatThrownBy(() -> Formats.bytes(s, List.of(GOOD, new Item("x", -1, 1))))
        .hasMessageEndingWith("(1 violation):\n  [1].price: must be greater than 0");
    assertThatThrownBy(() -> Formats.bytes(s, Map.of("k", new Item("", 1, 1))))
        .hasMessageEndingWith("(1 violation):\n  [k].sku: must not be blank");
    assertThatThrownBy(() -> Formats.bytes(s, new Item[] {new Item("x", 1, 100)}))
        .hasMessageEndingWith("(1 violation):\n  [0].quantity: must be less than or equal to 99");
  }

  @Test
  void messagesAreEnglishWhateverTheDefaultLocale() {
    Locale before = Locale.getDefault();
    Locale.setDefault(Locale.GERMAN);
    try {
      // a validator built now would speak German by default; communica's does not
      Serializer s = JsonSerializer.builder().validator(JacksonSerializer.newValidator()).build();
      assertThatThrownBy(() -> Formats.bytes(s, new Item("x", 0, 1)))
          .hasMessageEndingWith("price: must be greater than 0");
    } finally {
      Locale.setDefault(before);
    }
  }

  @Test
  void anApplicationsOwnValidator() {
    var factory =
        Validation.byDefaultProvider()
            .configure()
            .messageInterpolator(new jakarta.validation.MessageInterpolator() {
              @Override
              public String interpolate(String template, Context context) {
                return "bad";
              }

              @Override
              public String interpolate(String template, Context context, Locale locale) {
                return "bad";
              }
            })
            .buildValidatorFactory();
    try {
      Serializer s = CborSerializer.builder().validator(factory.getValidator()).build();
      assertThatThrownBy(() -> Formats.bytes(s, new Item("x", 0, 1))).hasMessageEndingWith("price: bad");
    } finally {
      factory.close();
    }
  }

  @Test
  void longListsAreCut() {
    List<Item> many = new ArrayList<>();
    for (int i = 0; i < Violation.MAX_LISTED + 20; i++) {
      many.add(new Item("x", 0, 1));
    }
    Throwable e = catchThrowable(() -> Formats.bytes(JsonSerializer.validating(), many));
    assertThat(e.getMessage())
        .startsWith("invalid " + many.getClass().getName() + " (120 violations):\n")
        .endsWith("\n(and 20 more)");
    assertThat(Violation.listIn(e)).hasSize(Violation.MAX_LISTED);
  }

  @Test
  void violationsSurviveEscapingAndPrefixes() {
    List<Violation> odd =
        List.of(
            new Violation("", "whole value"),
            new Violation("map[a: b].x", "line one\nline two: with colon"),
            new Violation("back\\slash", "carriage\rreturn"));
    String message = Violations.format("invalid x", odd);
    assertThat(message.lines()).hasSize(4);
    // core puts its own words in front when the receiving side refuses a request
    RequestException received =
        new RequestException(
            "cannot decode the request for route 'add' as x: " + message, RequestException.INVALID_DATA);
    assertThat(Violation.listIn(new IllegalStateException("wrapper", received)))
        .containsExactlyInAnyOrderElementsOf(odd);
    assertThat(Violation.parse("no list here")).isEmpty();
    assertThat(Violation.listIn(new SerializationException("cannot decode json: bad"))).isEmpty();
  }
}
