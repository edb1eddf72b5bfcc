package io.communica.hub.internal;

import io.communica.core.SerializationException;
import io.communica.core.Serializer;
import io.communica.hub.NodeInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledHeapByteBuf;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The hub's own messages and their binary encoding: a tag byte, then fixed fields; strings as a
 * 2-byte length and UTF-8, data as a 4-byte length (-1 for null) and the bytes the node's own
 * serializer made. Hub and nodes use this serializer for every hub route, so the hub never needs
 * the application's types nor a JSON library, and the event data crosses the hub as opaque bytes.
 * Every length is checked against the bytes that arrived before anything is allocated.
 */
public final class Wire extends Serializer {

  /** Content type of hub messages on the wire (documented in PROTOCOL.md). */
  public static final int CONTENT_TYPE = 6;

  /** The one instance. */
  public static final Wire INSTANCE = new Wire();

  /** Route names: nodes call the hub's, the hub calls the nodes'. */
  public static final String CREATE = "hub.create";
  public static final String DISSOLVE = "hub.dissolve";
  public static final String EMIT = "hub.emit";
  public static final String SUBSCRIBE = "hub.subscribe";
  public static final String UNSUBSCRIBE = "hub.unsubscribe";
  public static final String CONTACT = "hub.contact";
  public static final String DIRECT = "hub.request";
  public static final String SIGNAL = "hub.signal";
  public static final String NODES = "hub.nodes";
  public static final String MEMBERS = "hub.members";
  public static final String LEAVE = "hub.leave";
  public static final String NODE_CONTACT = "node.contact";
  public static final String NODE_REQUEST = "node.request";
  public static final String NODE_SIGNAL = "node.signal";

  /**
   * The credentials a node sends in its handshake: its name, its process id, and the id of this
   * {@code Node} object, which tells the hub a node restarted under the same id from one that
   * reconnected.
   */
  public record Join(String name, long pid, String instance) {}

  public record Create(String name, int emission, boolean again) {}

  public record Emit(String name, byte @Nullable [] data) {}

  /** Emit, direct and dissolve replies carry no type of their own; an int reply is this. */
  public record Count(int value) {}

  public record Subscribe(String subId, String name, int capacity, int overflow) {}

  /** One emission, shared by every subscription's buffer. */
  public record Item(String event, String emitter, long seq, byte @Nullable [] data) {}

  /**
   * What a subscriber receives: {@code item} with its subscription's overflow count; kind ACK (no
   * item) first, confirming the subscription.
   */
  public record Delivered(int kind, @Nullable Item item, long dropped) {
    public static final int ACK = 0;
    public static final int EVENT = 1;
  }

  /** A contact or request to a node by id, or by pid when {@code target} is empty. */
  public record Direct(String target, long pid, byte @Nullable [] data) {}

  /** A contact or request as the target node receives it. */
  public record Message(String from, byte @Nullable [] data) {}

  public record SignalTo(String target, long pid, int kind) {}

  public record SignalFrom(String from, int kind) {}

  public record Nodes(List<NodeInfo> nodes) {}

  /** Membership: ACK first, then JOINED and LEFT. */
  public record Member(int kind, @Nullable NodeInfo node) {
    public static final int ACK = 0;
    public static final int JOINED = 1;
    public static final int LEFT = 2;
  }

  /** A reply carrying the target node's encoded reply (null data: empty). */
  public record Reply(byte @Nullable [] data) {}

  private static final Class<?>[] TAGS = {
    Join.class, Create.class, Emit.class, Count.class, Subscribe.class, Delivered.class,
    Direct.class, Message.class, SignalTo.class, SignalFrom.class, Nodes.class, Member.class,
    Reply.class, String.class
  };

  private Wire() {}

  @Override
  public String name() {
    return "hub";
  }

  @Override
  public int contentType() {
    return CONTENT_TYPE;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Wire;
  }

  @Override
  public int hashCode() {
    return CONTENT_TYPE;
  }

  private static int tag(Class<?> type) {
    for (int i = 0; i < TAGS.length; i++) {
      if (TAGS[i] == type) {
        return i + 1;
      }
    }
    throw new SerializationException("the hub serializer carries hub messages, not " + type);
  }

  /**
   * Encodes into a heap array first and writes it with one call: a frame buffer counts every
   * write (Netty's leak detector records each in tests), and hub messages are small.
   */
  @Override
  public void encode(Object value, ByteBuf frame) {
    Out out = new Out();
    encode(value, out);
    frame.writeBytes(out.bytes, 0, out.size);
  }

  private static void encode(Object value, Out out) {
    out.writeByte(tag(value.getClass()));
    if (value instanceof Join j) {
      str(out, j.name());
      out.writeLong(j.pid());
      str(out, j.instance());
    } else if (value instanceof Create c) {
      str(out, c.name());
      out.writeByte(c.emission());
      out.writeBoolean(c.again());
    } else if (value instanceof Emit e) {
      str(out, e.name());
      data(out, e.data());
    } else if (value instanceof Count c) {
      out.writeInt(c.value());
    } else if (value instanceof Subscribe s) {
      str(out, s.subId());
      str(out, s.name());
      out.writeInt(s.capacity());
      out.writeByte(s.overflow());
    } else if (value instanceof Delivered d) {
      out.writeByte(d.kind());
      out.writeLong(d.dropped());
      Item i = d.item();
      if (i != null) {
        str(out, i.event());
        str(out, i.emitter());
        out.writeLong(i.seq());
        data(out, i.data());
      }
    } else if (value instanceof Direct d) {
      str(out, d.target());
      out.writeLong(d.pid());
      data(out, d.data());
    } else if (value instanceof Message m) {
      str(out, m.from());
      data(out, m.data());
    } else if (value instanceof SignalTo s) {
      str(out, s.target());
      out.writeLong(s.pid());
      out.writeShort(s.kind());
    } else if (value instanceof SignalFrom s) {
      str(out, s.from());
      out.writeShort(s.kind());
    } else if (value instanceof Nodes n) {
      out.writeInt(n.nodes().size());
      for (NodeInfo i : n.nodes()) {
        node(out, i);
      }
    } else if (value instanceof Member m) {
      out.writeByte(m.kind());
      NodeInfo n = m.node();
      if (n != null) {
        node(out, n);
      }
    } else if (value instanceof Reply r) {
      data(out, r.data());
    } else {
      str(out, (String) value);
    }
  }

  /** Decodes from a view of the readable bytes, without copying them and with one buffer call. */
  @Override
  public Object decode(ByteBuf frame, Type type) {
    In in = new In(frame.nioBuffer());
    Object v = decode(in, type);
    frame.skipBytes(frame.readableBytes());
    return v;
  }

  private static Object decode(In in, Type type) {
    if (!(type instanceof Class<?> c)) {
      throw new SerializationException("the hub serializer decodes hub messages, not " + type);
    }
    int want = tag(c);
    int got = u8(in);
    if (got != want) {
      throw new SerializationException(
          "expected hub message " + c.getSimpleName() + " (tag " + want + "), got tag " + got);
    }
    Object v =
        switch (got) {
          case 1 -> new Join(str(in), i64(in), str(in));
          case 2 -> new Create(str(in), u8(in), u8(in) != 0);
          case 3 -> new Emit(str(in), data(in));
          case 4 -> new Count(i32(in));
          case 5 -> new Subscribe(str(in), str(in), i32(in), u8(in));
          case 6 -> {
            int kind = u8(in);
            long dropped = i64(in);
            yield new Delivered(
                kind,
                kind == Delivered.ACK ? null : new Item(str(in), str(in), i64(in), data(in)),
                dropped);
          }
          case 7 -> new Direct(str(in), i64(in), data(in));
          case 8 -> new Message(str(in), data(in));
          case 9 -> new SignalTo(str(in), i64(in), u16(in));
          case 10 -> new SignalFrom(str(in), u16(in));
          case 11 -> {
            int n = i32(in);
            // each node takes at least 13 bytes: a count larger than the bytes is a lie
            if (n < 0 || n > in.buf.remaining() / 13) {
              throw new SerializationException("bad node count " + n);
            }
            List<NodeInfo> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
              list.add(node(in));
            }
            yield new Nodes(List.copyOf(list));
          }
          case 12 -> {
            int kind = u8(in);
            yield new Member(kind, kind == Member.ACK ? null : node(in));
          }
          case 13 -> new Reply(data(in));
          case 14 -> str(in);
          default -> throw new SerializationException("unknown hub message tag " + got);
        };
    if (in.buf.hasRemaining()) {
      throw new SerializationException(
          in.buf.remaining() + " bytes left over after hub message " + c.getSimpleName());
    }
    return v;
  }

  /** Encodes a value with {@code serializer} into a new array (null stays null). */
  public static byte @Nullable [] bytes(Serializer serializer, @Nullable Object value) {
    if (value == null) {
      return null;
    }
    // a plain heap buffer: not one of the allocator's, which tests track access by access
    ByteBuf buf = new UnpooledHeapByteBuf(UnpooledByteBufAllocator.DEFAULT, 64, Integer.MAX_VALUE);
    try {
      serializer.encode(value, buf);
      return ByteBufUtil.getBytes(buf);
    } finally {
      buf.release();
    }
  }

  /** Decodes {@code data} made by {@link #bytes} (null stays null). */
  @SuppressWarnings("unchecked")
  public static <T> @Nullable T value(Serializer serializer, byte @Nullable [] data, Type type) {
    if (data == null) {
      return null;
    }
    ByteBuf buf = Unpooled.wrappedBuffer(data);
    try {
      return (T) serializer.decode(buf, type);
    } finally {
      buf.release();
    }
  }

  private static void node(Out out, NodeInfo n) {
    str(out, n.id());
    str(out, n.name());
    out.writeLong(n.pid());
    out.writeBoolean(n.connected());
  }

  private static NodeInfo node(In in) {
    return new NodeInfo(str(in), str(in), i64(in), u8(in) != 0);
  }

  private static void str(Out out, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length > 0xffff) {
      throw new SerializationException("a hub string is limited to 65535 UTF-8 bytes");
    }
    out.writeShort(b.length);
    out.writeBytes(b);
  }

  private static void data(Out out, byte @Nullable [] data) {
    if (data == null) {
      out.writeInt(-1);
    } else {
      out.writeInt(data.length);
      out.writeBytes(data);
    }
  }

  private static String str(In in) {
    int n = u16(in);
    need(in, n);
    ByteBuffer b = in.buf;
    String s;
    if (b.hasArray()) {
      s = new String(b.array(), b.arrayOffset() + b.position(), n, StandardCharsets.UTF_8);
      b.position(b.position() + n);
    } else {
      byte[] bytes = new byte[n];
      b.get(bytes);
      s = new String(bytes, StandardCharsets.UTF_8);
    }
    return s;
  }

  private static byte @Nullable [] data(In in) {
    int n = i32(in);
    if (n == -1) {
      return null;
    }
    if (n < 0) {
      throw new SerializationException("bad data length " + n);
    }
    need(in, n);
    byte[] b = new byte[n];
    in.buf.get(b);
    return b;
  }

  private static int u8(In in) {
    need(in, 1);
    return in.buf.get() & 0xff;
  }

  private static int u16(In in) {
    need(in, 2);
    return in.buf.getShort() & 0xffff;
  }

  private static int i32(In in) {
    need(in, 4);
    return in.buf.getInt();
  }

  private static long i64(In in) {
    need(in, 8);
    return in.buf.getLong();
  }

  private static void need(In in, int n) {
    if (in.buf.remaining() < n) {
      throw new SerializationException(
          "truncated hub message: " + n + " bytes needed, " + in.buf.remaining() + " left");
    }
  }

  /** What decoding reads: a big-endian view of the frame's payload. */
  private static final class In {
    final ByteBuffer buf;

    In(ByteBuffer buf) {
      this.buf = buf;
    }
  }

  /** What encoding writes: a growable big-endian array. */
  private static final class Out {
    byte[] bytes = new byte[64];
    int size;

    private void room(int n) {
      if (size + n > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + n));
      }
    }

    void writeByte(int v) {
      room(1);
      bytes[size++] = (byte) v;
    }

    void writeBoolean(boolean v) {
      writeByte(v ? 1 : 0);
    }

    void writeShort(int v) {
      room(2);
      bytes[size++] = (byte) (v >>> 8);
      bytes[size++] = (byte) v;
    }

    void writeInt(int v) {
      room(4);
      for (int shift = 24; shift >= 0; shift -= 8) {
        bytes[size++] = (byte) (v >>> shift);
      }
    }

    void writeLong(long v) {
      room(8);
      for (int shift = 56; shift >= 0; shift -= 8) {
        bytes[size++] = (byte) (v >>> shift);
      }
    }

    void writeBytes(byte[] b) {
      room(b.length);
      System.arraycopy(b, 0, bytes, size, b.length);
      size += b.length;
    }
  }
}
