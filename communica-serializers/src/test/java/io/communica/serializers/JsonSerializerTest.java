package io.communica.serializers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.communica.core.SerializationException;
import io.communica.core.Serializer;
import io.communica.core.TypeRef;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JsonSerializerTest {

  private final JsonSerializer json = new JsonSerializer();

  record Item(String name, int count, Optional<String> note) {}

  record Order(long id, List<Item> items, Instant at, byte[] blob, Status status) {}

  enum Status {
    OPEN,
    CLOSED
  }

  /** A plain bean, as older code has them. */
  public static final class Bean {
    private String label;
    private double weight;

    public String getLabel() {
      return label;
    }

    public void setLabel(String label) {
      this.label = label;
    }

    public double getWeight() {
      return weight;
    }

    public void setWeight(double weight) {
      this.weight = weight;
    }
  }

  private Object roundTrip(Object value, Type type) {
    ByteBuf buf = Unpooled.buffer();
    try {
      json.encode(value, buf);
      return json.decode(buf, type);
    } finally {
      buf.release();
    }
  }

  @Test
  void isTheDefaultSerializer() {
    assertThat(Serializer.defaultSerializer()).isInstanceOf(JsonSerializer.class);
    assertThat(json.contentType()).isEqualTo(2);
  }

  @Test
  void recordsWithNestedGenericsTimeBytesAndEnums() {
    Order order =
        new Order(
            7,
            List.of(new Item("a", 1, Optional.empty()), new Item("b", 2, Optional.of("fragile"))),
            Instant.parse("2026-11-22T10:15:30.123Z"),
            new byte[] {0, 1, 2, (byte) 255},
            Status.CLOSED);
    Order back = (Order) roundTrip(order, Order.class);
    assertThat(back.id()).isEqualTo(7);
    assertThat(back.items()).isEqualTo(order.items());
    assertThat(back.at()).isEqualTo(order.at());
    assertThat(back.blob()).isEqualTo(order.blob());
    assertThat(back.status()).isEqualTo(Status.CLOSED);
  }

  @Test
  void genericTypesThroughTypeRef() {
    Map<String, List<Item>> value = Map.of("x", List.of(new Item("n", 3, Optional.empty())));
    Object back = roundTrip(value, new TypeRef<Map<String, List<Item>>>() {}.type());
    assertThat(back).isEqualTo(value);
  }

  @Test
  void beansAndPlainValues() {
    Bean bean = new Bean();
    bean.setLabel("box");
    bean.setWeight(2.5);
    Bean back = (Bean) roundTrip(bean, Bean.class);
    assertThat(back.getLabel()).isEqualTo("box");
    assertThat(back.getWeight()).isEqualTo(2.5);
    assertThat(roundTrip("text", String.class)).isEqualTo("text");
    assertThat(roundTrip(42, Integer.class)).isEqualTo(42);
    assertThat(roundTrip(new byte[] {9, 8}, byte[].class)).isEqualTo(new byte[] {9, 8});
  }

  @Test
  void mismatchIsASerializationExceptionWithThePath() {
    ByteBuf buf = Unpooled.copiedBuffer("{\"name\":\"a\",\"count\":\"many\"}", StandardCharsets.UTF_8);
    try {
      assertThatThrownBy(() -> json.decode(buf, Item.class))
          .isInstanceOf(SerializationException.class)
          .hasMessageContaining("Item")
          .hasMessageContaining("count");
    } finally {
      buf.release();
    }
  }

  @Test
  void hostileInputIsRefusedClearly() {
    String deep = "[".repeat(100_000) + "]".repeat(100_000);
    ByteBuf buf = Unpooled.copiedBuffer(deep, StandardCharsets.UTF_8);
    try {
      assertThatThrownBy(() -> json.decode(buf, Object.class))
          .isInstanceOf(SerializationException.class)
          .hasMessageContaining("depth");
    } finally {
      buf.release();
    }
    ByteBuf huge = Unpooled.copiedBuffer("1" + "0".repeat(5000), StandardCharsets.UTF_8);
    try {
      assertThatThrownBy(() -> json.decode(huge, java.math.BigInteger.class))
          .isInstanceOf(SerializationException.class)
          .hasMessageContaining("length");
    } finally {
      huge.release();
    }
    ByteBuf nul = Unpooled.copiedBuffer("null", StandardCharsets.UTF_8);
    try {
      assertThatThrownBy(() -> json.decode(nul, Item.class)).isInstanceOf(SerializationException.class);
    } finally {
      nul.release();
    }
  }

  @Test
  void unencodableValueIsASerializationException() {
    ByteBuf buf = Unpooled.buffer();
    try {
      assertThatThrownBy(() -> json.encode(new Object(), buf))
          .isInstanceOf(SerializationException.class)
          .hasMessageContaining("java.lang.Object");
    } finally {
      buf.release();
    }
  }
}
