package io.communica.serializers;

import static java.util.Objects.requireNonNull;

import io.communica.core.SerializationException;
import io.communica.core.Serializer;
import io.netty.buffer.ByteBuf;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Type;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Small fixed-size messages of primitive fields, selected by a message id — the fastest
 * serializer here, for telemetry and other high-rate data (after ipcpy's message library of
 * {@code struct} formats). Each message type is a record whose components are all primitives,
 * registered once under an id shared by both peers:
 *
 * <pre>{@code
 * sealed interface Telemetry permits Imu, Battery {}
 * record Imu(long micros, float ax, float ay, float az) implements Telemetry {}
 * record Battery(short millivolts, byte percent, boolean charging) implements Telemetry {}
 *
 * FixedLayoutSerializer telemetry = FixedLayoutSerializer.builder()
 *     .byteOrder(ByteOrder.LITTLE_ENDIAN)
 *     .register(1, Imu.class)
 *     .register(2, Battery.class)
 *     .build();
 * SimpleServer.builder(connector).serializer(telemetry)
 *     .handler(Handler.consumer(Telemetry.class, t -> store.add(t)))
 *     .start();
 * }</pre>
 *
 * <h2>On the wire</h2>
 *
 * A message is its id as an unsigned 16-bit integer, then each component in declaration order,
 * packed without padding: {@code boolean} and {@code byte} in 1 byte ({@code boolean} as 0 or 1),
 * {@code short} and {@code char} in 2, {@code int} and {@code float} in 4, {@code long} and {@code
 * double} in 8, all in the {@linkplain Builder#byteOrder declared byte order} (big-endian by
 * default). {@code Imu} above is 2 + 8 + 3 × 4 = 22 bytes. Both peers must register the same ids
 * with the same component types in the same order.
 *
 * <h2>Errors</h2>
 *
 * Encoding a type that is not registered, decoding an unknown id, a message shorter or longer
 * than its layout, a {@code boolean} byte other than 0 or 1, or a message of another type than the
 * one asked for: each is a {@link SerializationException} that says which.
 *
 * <h2>Speed</h2>
 *
 * No reflection runs per message: registration builds, for each record, one method handle that
 * writes all components and one that reads them straight into the canonical constructor.
 *
 * @since 0.1
 */
public final class FixedLayoutSerializer extends Serializer {

  /** Content type on the wire. */
  public static final int CONTENT_TYPE = 5;

  /** Bytes of the message id in front of every message. */
  public static final int ID_BYTES = 2;

  /** The largest message id. */
  public static final int MAX_ID = 0xffff;

  private final ByteOrder order;
  private final boolean little;
  private final @Nullable Layout[] byId;
  private final Map<Class<?>, Layout> byClass;
  private final String registered;

  private FixedLayoutSerializer(Builder b) {
    this.order = b.order;
    this.little = b.order == ByteOrder.LITTLE_ENDIAN;
    int max = b.layouts.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1);
    Layout[] ids = new Layout[max + 1];
    Map<Class<?>, Layout> classes = new HashMap<>();
    for (Layout l : b.layouts.values()) {
      ids[l.id()] = l;
      classes.put(l.type(), l);
    }
    this.byId = ids;
    this.byClass = Map.copyOf(classes);
    this.registered =
        b.layouts.values().stream()
            .map(l -> l.id() + " " + l.type().getSimpleName())
            .collect(Collectors.joining(", "));
  }

  /** A builder with no message types and big-endian byte order. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return "fixed-layout";
  }

  @Override
  public int contentType() {
    return CONTENT_TYPE;
  }

  /** The byte order of ids and fields. */
  public ByteOrder byteOrder() {
    return order;
  }

  /**
   * Bytes of an encoded {@code type}, id included.
   *
   * @throws IllegalArgumentException if the type is not registered
   */
  public int sizeOf(Class<?> type) {
    Layout l = byClass.get(requireNonNull(type, "type"));
    if (l == null) {
      throw new IllegalArgumentException(notRegistered(type));
    }
    return l.size();
  }

  @Override
  public void encode(Object value, ByteBuf out) {
    Layout l = byClass.get(value.getClass());
    if (l == null) {
      throw new SerializationException(notRegistered(value.getClass()));
    }
    out.ensureWritable(l.size());
    if (little) {
      out.writeShortLE(l.id());
    } else {
      out.writeShort(l.id());
    }
    try {
      l.writer().invokeExact(out, value);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new SerializationException("cannot encode " + l.type().getName() + ": " + t, t);
    }
  }

  @Override
  public Object decode(ByteBuf in, Type type) {
    int length = in.readableBytes();
    if (length < ID_BYTES) {
      throw new SerializationException(
          "a fixed-layout message starts with a " + ID_BYTES + "-byte id, but it has " + length
              + " byte" + (length == 1 ? "" : "s"));
    }
    int base = in.readerIndex();
    int id = little ? in.getUnsignedShortLE(base) : in.getUnsignedShort(base);
    Layout l = id < byId.length ? byId[id] : null;
    if (l == null) {
      throw new SerializationException(
          "unknown fixed-layout message id " + id + " (registered: " + registered + ")");
    }
    if (length != l.size()) {
      throw new SerializationException(
          "fixed-layout message id " + id + " (" + l.type().getSimpleName() + ") has " + l.size()
              + " bytes, but " + length + " arrived (" + (length < l.size() ? "too short" : "too long")
              + ")");
    }
    if (type != l.type() && type != Object.class
        && !(type instanceof Class<?> c && c.isAssignableFrom(l.type()))) {
      throw new SerializationException(
          "fixed-layout message id " + id + " is a " + l.type().getName() + ", not a "
              + type.getTypeName());
    }
    Object value;
    try {
      value = (Object) l.reader().invokeExact(in, base + ID_BYTES);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new SerializationException("cannot decode " + l.type().getName() + ": " + t, t);
    }
    in.skipBytes(length);
    return value;
  }

  private String notRegistered(Class<?> type) {
    return type.getName() + " is not registered with this fixed-layout serializer (registered: "
        + (registered.isEmpty() ? "none" : registered) + ")";
  }

  @Override
  public String toString() {
    return "fixed-layout serializer (content type " + CONTENT_TYPE + ", "
        + (little ? "little" : "big") + "-endian, " + byClass.size() + " message types)";
  }

  /** Registers message types; not thread-safe, unlike the serializer it builds. */
  public static final class Builder {
    private ByteOrder order = ByteOrder.BIG_ENDIAN;
    private final TreeMap<Integer, Layout> layouts = new TreeMap<>();
    private final List<Registration> pending = new ArrayList<>();

    private record Registration(int id, Class<? extends Record> type, MethodHandles.@Nullable Lookup lookup) {}

    Builder() {}

    /** Byte order of ids and fields (default {@link ByteOrder#BIG_ENDIAN}, network order). */
    public Builder byteOrder(ByteOrder order) {
      this.order = requireNonNull(order, "order");
      return this;
    }

    /**
     * Registers a record type under {@code id} (0 to {@value #MAX_ID}).
     *
     * @throws IllegalArgumentException if the id or the type is taken, the id is out of range, or
     *     a component is not a primitive
     */
    public Builder register(int id, Class<? extends Record> type) {
      return add(new Registration(id, requireNonNull(type, "type"), null));
    }

    /**
     * Registers a record type with a lookup that can access it, for records in a named module that
     * does not open their package to {@code io.communica.serializers}: pass {@code
     * MethodHandles.lookup()} from the record's own module.
     */
    public Builder register(int id, Class<? extends Record> type, MethodHandles.Lookup lookup) {
      return add(
          new Registration(id, requireNonNull(type, "type"), requireNonNull(lookup, "lookup")));
    }

    private Builder add(Registration r) {
      if (r.id < 0 || r.id > MAX_ID) {
        throw new IllegalArgumentException("message id " + r.id + " is not in 0.." + MAX_ID);
      }
      for (Registration p : pending) {
        if (p.id == r.id) {
          throw new IllegalArgumentException(
              "message id " + r.id + " is already " + p.type.getName());
        }
        if (p.type == r.type) {
          throw new IllegalArgumentException(r.type.getName() + " already has id " + p.id);
        }
      }
      FixedLayouts.check(r.type);
      pending.add(r);
      return this;
    }

    /** The serializer. */
    public FixedLayoutSerializer build() {
      layouts.clear();
      for (Registration r : pending) {
        layouts.put(r.id, FixedLayouts.layout(r.id, r.type, order, r.lookup));
      }
      return new FixedLayoutSerializer(this);
    }
  }

  /**
   * One registered message type and its compiled accessors.
   *
   * @param writer {@code (ByteBuf out, Object record)void}: writes every component
   * @param reader {@code (ByteBuf in, int index)Object}: reads every component from index, builds
   *     the record
   */
  record Layout(int id, Class<?> type, int size, MethodHandle writer, MethodHandle reader) {}
}
