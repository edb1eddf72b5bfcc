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
        MethodHandle put = writer(c.getType(), little);
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
                reader(types[i], little), 1, MethodHandles.insertArguments(ADD, 1, size - FixedLayoutSerializer.ID_BYTES));
        read = MethodHandles.collectArguments(read, 2 * i, get);
        size += width(types[i]);
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

  /** {@code (ByteBuf, T)void} writing a component of {@code type}. */
  private static MethodHandle writer(Class<?> type, boolean little)
      throws NoSuchMethodException, IllegalAccessException {
    String name;
    Class<?> wire;
    if (type == boolean.class) {
      name = "writeBoolean";
      wire = boolean.class;
    } else if (type == byte.class) {
      name = "writeByte";
      wire = int.class;
    } else if (type == short.class || type == char.class) {
      name = little ? "writeShortLE" : "writeShort";
      wire = int.class;
    } else if (type == int.class) {
      name = little ? "writeIntLE" : "writeInt";
      wire = int.class;
    } else if (type == long.class) {
      name = little ? "writeLongLE" : "writeLong";
      wire = long.class;
    } else if (type == float.class) {
      name = little ? "writeFloatLE" : "writeFloat";
      wire = float.class;
    } else {
      name = little ? "writeDoubleLE" : "writeDouble";
      wire = double.class;
    }
    MethodHandle h = SELF.findVirtual(ByteBuf.class, name, methodType(ByteBuf.class, wire));
    return h.asType(methodType(void.class, ByteBuf.class, wire));
  }

  /** {@code (ByteBuf, int index)T} reading a component of {@code type} at an absolute index. */
  private static MethodHandle reader(Class<?> type, boolean little)
      throws NoSuchMethodException, IllegalAccessException {
    if (type == boolean.class) {
      return READ_BOOLEAN;
    }
    String name;
    Class<?> wire;
    if (type == byte.class) {
      name = "getByte";
      wire = byte.class;
    } else if (type == short.class || type == char.class) {
      name = little ? "getShortLE" : "getShort";
      wire = short.class;
    } else if (type == int.class) {
      name = little ? "getIntLE" : "getInt";
      wire = int.class;
    } else if (type == long.class) {
      name = little ? "getLongLE" : "getLong";
      wire = long.class;
    } else if (type == float.class) {
      name = little ? "getFloatLE" : "getFloat";
      wire = float.class;
    } else {
      name = little ? "getDoubleLE" : "getDouble";
      wire = double.class;
    }
    MethodHandle h = SELF.findVirtual(ByteBuf.class, name, methodType(wire, int.class));
    // short -> char is the one conversion asType refuses
    return MethodHandles.explicitCastArguments(h, methodType(type, ByteBuf.class, int.class));
  }

  private static int width(Class<?> type) {
    if (type == boolean.class || type == byte.class) {
      return 1;
    }
    if (type == short.class || type == char.class) {
      return 2;
    }
    if (type == int.class || type == float.class) {
      return 4;
    }
    return 8;
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
