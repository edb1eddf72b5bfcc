package io.communica.serializers;

import io.communica.core.Serializer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.lang.reflect.Type;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** The Jackson formats under test, tolerant and validating, and buffer helpers. */
final class Formats {

  private Formats() {}

  /** A format by name with its builder, for parameterized tests. */
  record Format(String name, Supplier<JacksonSerializer.Builder<?>> builder) {
    JacksonSerializer lenient() {
      return builder.get().build();
    }

    JacksonSerializer strict() {
      return builder.get().strict().build();
    }

    JacksonSerializer validating() {
      return builder.get().validating().build();
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static final Format JSON = new Format("json", JsonSerializer::builder);
  static final Format MSGPACK = new Format("msgpack", MessagePackSerializer::builder);
  static final Format CBOR = new Format("cbor", CborSerializer::builder);

  static List<Format> all() {
    return List.of(JSON, MSGPACK, CBOR);
  }

  static Stream<Arguments> formats() {
    return all().stream().map(Arguments::of);
  }

  /** Every format on heap and on direct buffers (the network hands direct ones to decode). */
  static Stream<Arguments> formatsAndBuffers() {
    return all().stream().flatMap(f -> Stream.of(Arguments.of(f, false), Arguments.of(f, true)));
  }

  static ByteBuf buffer(boolean direct) {
    return direct ? ByteBufAllocator.DEFAULT.directBuffer() : Unpooled.buffer();
  }

  /** Encodes with one serializer and decodes with another, releasing the buffer. */
  static Object roundTrip(Serializer from, Serializer to, Object value, Type type, boolean direct) {
    ByteBuf buf = buffer(direct);
    try {
      from.encode(value, buf);
      Object back = to.decode(buf, type);
      if (buf.isReadable()) {
        throw new AssertionError(buf.readableBytes() + " bytes left unread");
      }
      return back;
    } finally {
      buf.release();
    }
  }

  /** The bytes {@code s} writes for {@code value}. */
  static byte[] bytes(Serializer s, Object value) {
    ByteBuf buf = Unpooled.buffer();
    try {
      s.encode(value, buf);
      byte[] out = new byte[buf.readableBytes()];
      buf.readBytes(out);
      return out;
    } finally {
      buf.release();
    }
  }

  /** Decodes raw bytes. */
  static Object decode(Serializer s, byte[] bytes, Type type) {
    ByteBuf buf = Unpooled.wrappedBuffer(bytes);
    try {
      return s.decode(buf, type);
    } finally {
      buf.release();
    }
  }
}
