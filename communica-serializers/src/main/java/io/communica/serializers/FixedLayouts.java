package io.communica.serializers;

import static java.lang.invoke.MethodType.methodType;

import io.communica.core.SerializationException;
import io.netty.buffer.ByteBuf;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.RecordComponent;
import java.nio.ByteOrder;
import org.jspecify.annotations.Nullable;

/**
 * Compiles a record's layout into two method handles, once, at registration: a writer that calls
 * each accessor and the matching {@code ByteBuf.writeX}, and a reader that feeds {@code
 * ByteBuf.getX(index + offset)} for each component straight into the canonical constructor. Reads
 * use absolute offsets, so the order in which the handle evaluates them does not matter.
 */
final class FixedLayouts {

  private static final MethodHandles.Lookup SELF = MethodHandles.lookup();
  private static final MethodHandle ADD;
  private static final MethodHandle READ_BOOLEAN;

  static {
    try {
      ADD = SELF.findStatic(FixedLayouts.class, "add", methodType(int.class, int.class, int.class));
      READ_BOOLEAN =
          SELF.findStatic(
              FixedLayouts.class,
              "readBoolean",
              methodType(boolean.class, ByteBuf.class, int.class));
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private FixedLayouts() {}

  /** Throws if {@code type} is not a record of primitives. */
  static void check(Class<?> type) {
    if (!type.isRecord()) {
      throw new IllegalArgumentException(type.getName() + " is not a record");
    }
    for (RecordComponent c : type.getRecordComponents()) {
      if (!c.getType().isPrimitive()) {
        throw new IllegalArgumentException(
            "component " + c.getName() + " of " + type.getName() + " is a "
                + c.getType().getTypeName() + "; a fixed-layout message has only primitives");
      }
    }
  }

  static FixedLayoutSerializer.Layout layout(
      int id, Class<?> type, ByteOrder order, MethodHandles.@Nullable Lookup given) {
    boolean little = order == ByteOrder.LITTLE_ENDIAN;
    MethodHandles.Lookup lookup = given != null ? given : lookupFor(type);
    RecordComponent[] components = type.getRecordComponents();
    int n = components.length;
    Class<?>[] types = new Class<?>[n];
    try {
      MethodHandle write = MethodHandles.empty(methodType(void.class, ByteBuf.class, type));
      for (int i = n - 1; i >= 0; i--) {
        RecordComponent c = components[i];
        types[i] = c.getType();
        MethodHandle accessor = lookup.unreflect(c.getAccessor());
        MethodHandle put = Primitive.of(c.getType()).writer(little);
        Class<?> wire = put.type().parameterType(1);
        // (ByteBuf, R)void: write(out, accessor(record)); folded in front of the later components
        MethodHandle one =
            MethodHandles.filterArguments(put, 1, accessor.asType(methodType(wire, type)));
        write = MethodHandles.foldArguments(write, one);
      }
      int size = FixedLayoutSerializer.ID_BYTES;
      MethodHandle read = lookup.findConstructor(type, methodType(void.class, types));
      for (int i = 0; i < n; i++) {
        // (ByteBuf, int index) -> component i, read at index + its offset
        MethodHandle get =
            MethodHandles.filterArguments(
                Primitive.of(types[i]).reader(little),
                1,
                MethodHandles.insertArguments(ADD, 1, size - FixedLayoutSerializer.ID_BYTES));
        read = MethodHandles.collectArguments(read, 2 * i, get);
        size += Primitive.of(types[i]).width;
      }
      int[] reorder = new int[2 * n];
      for (int i = 0; i < n; i++) {
        reorder[2 * i] = 0;
        reorder[2 * i + 1] = 1;
      }
      MethodType readType = methodType(type, ByteBuf.class, int.class);
      read =
          n == 0
              ? MethodHandles.dropArguments(read, 0, ByteBuf.class, int.class)
              : MethodHandles.permuteArguments(read, readType, reorder);
      return new FixedLayoutSerializer.Layout(
          id,
          type,
          size,
          write.asType(methodType(void.class, ByteBuf.class, Object.class)),
          read.asType(methodType(Object.class, ByteBuf.class, int.class)));
    } catch (IllegalAccessException e) {
      throw new IllegalArgumentException(
          "cannot access " + type.getName() + "; register it with a lookup from its own module: "
              + "register(id, type, MethodHandles.lookup())",
          e);
    } catch (NoSuchMethodException e) {
      throw new IllegalArgumentException(type.getName() + " has no canonical constructor", e);
    }
  }

  private static MethodHandles.Lookup lookupFor(Class<?> type) {
    try {
      return MethodHandles.privateLookupIn(type, SELF);
    } catch (IllegalAccessException e) {
      return MethodHandles.publicLookup();
    }
  }

  /**
   * What each primitive takes on the wire and the {@code ByteBuf} methods that move it: {@code
   * writeX(wire)} relative, {@code getX(int index)} absolute; the little-endian ones end in
   * {@code LE}.
   */
  private enum Primitive {
    BOOLEAN(boolean.class, 1, "writeBoolean", boolean.class, null, null, false),
    BYTE(byte.class, 1, "writeByte", int.class, "getByte", byte.class, false),
    SHORT(short.class, 2, "writeShort", int.class, "getShort", short.class, true),
    CHAR(char.class, 2, "writeShort", int.class, "getShort", short.class, true),
    INT(int.class, 4, "writeInt", int.class, "getInt", int.class, true),
    LONG(long.class, 8, "writeLong", long.class, "getLong", long.class, true),
    FLOAT(float.class, 4, "writeFloat", float.class, "getFloat", float.class, true),
    DOUBLE(double.class, 8, "writeDouble", double.class, "getDouble", double.class, true);

    final Class<?> type;
    final int width;
    final String write;
    final Class<?> writeType;
    final @Nullable String get;
    final @Nullable Class<?> getType;
    final boolean ordered;

    Primitive(
        Class<?> type,
        int width,
        String write,
        Class<?> writeType,
        @Nullable String get,
        @Nullable Class<?> getType,
        boolean ordered) {
      this.type = type;
      this.width = width;
      this.write = write;
      this.writeType = writeType;
      this.get = get;
      this.getType = getType;
      this.ordered = ordered;
    }

    static Primitive of(Class<?> type) {
      for (Primitive p : values()) {
        if (p.type == type) {
          return p;
        }
      }
      throw new IllegalArgumentException(type + " is not a primitive");
    }

    private String name(String base, boolean little) {
      return little && ordered ? base + "LE" : base;
    }

    /** {@code (ByteBuf, wire)void} writing a component. */
    MethodHandle writer(boolean little) throws NoSuchMethodException, IllegalAccessException {
      MethodHandle h =
          SELF.findVirtual(ByteBuf.class, name(write, little), methodType(ByteBuf.class, writeType));
      return h.asType(methodType(void.class, ByteBuf.class, writeType));
    }

    /** {@code (ByteBuf, int index)T} reading a component at an absolute index. */
    MethodHandle reader(boolean little) throws NoSuchMethodException, IllegalAccessException {
      if (get == null || getType == null) {
        return READ_BOOLEAN;
      }
      MethodHandle h =
          SELF.findVirtual(ByteBuf.class, name(get, little), methodType(getType, int.class));
      // short -> char is the one conversion asType refuses
      return MethodHandles.explicitCastArguments(h, methodType(type, ByteBuf.class, int.class));
    }
  }

  @SuppressWarnings("unused") // called through ADD
  private static int add(int a, int b) {
    return a + b;
  }

  @SuppressWarnings("unused") // called through READ_BOOLEAN
  private static boolean readBoolean(ByteBuf in, int index) {
    byte b = in.getByte(index);
    if (b == 0 || b == 1) {
      return b == 1;
    }
    throw new SerializationException(
        "a fixed-layout boolean is 0 or 1, not " + b + " (at byte " + (index - in.readerIndex()) + ")");
  }
}
