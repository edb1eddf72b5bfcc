package io.communica.core.internal.session;

import io.communica.core.frame.MetadataCodec;
import io.communica.core.Payload;
import io.communica.core.Serializer;
import io.communica.core.frame.FrameBatch;
import io.communica.core.frame.HeapFrames;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.LengthCodec;
import io.communica.core.frame.SplitFrame;
import io.communica.core.internal.remote.Arguments;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Encoding of message frames (docs/PROTOCOL.md; the header is {@link FrameHeader}). */
public final class Frames {

  private Frames() {}

  /** Name of a content type for error messages: communica's own ids by name, others by number. */
  public static String contentTypeName(int contentType) {
    String name =
        switch (contentType) {
          case 1 -> "utf8";
          case 2 -> "json";
          case 3 -> "msgpack";
          case 4 -> "cbor";
          case 5 -> "fixed-layout";
          default -> "an application format";
        };
    return name + " (content type " + contentType + ")";
  }

  /**
   * Starts a frame: writes the fixed header and the route; the caller appends the payload.
   */
  public static ByteBuf begin(
      ByteBufAllocator alloc,
      int type,
      int flags,
      int contentType,
      int id,
      int error,
      byte[] route,
      int payloadHint) {
    ByteBuf buf;
    if (payloadHint > FrameBatch.SMALL_FRAME) {
      // a large frame is written as it is: room for its length prefix in front saves the stream
      // transport a buffer of four bytes (FrameBatch writes the prefix there)
      buf = alloc.ioBuffer(LengthCodec.PREFIX + FrameHeader.SIZE + route.length + payloadHint);
      buf.setIndex(LengthCodec.PREFIX, LengthCodec.PREFIX);
    } else {
      buf = alloc.ioBuffer(FrameHeader.SIZE + route.length + payloadHint);
    }
    FrameHeader.write(buf, type, flags, contentType, id, error, route.length);
    if (route.length > 0) {
      buf.writeBytes(route);
    }
    return buf;
  }

  /**
   * Encodes a REQUEST, MESSAGE or RESPONSE frame carrying {@code value}. The payload is encoded
   * straight into the frame buffer.
   *
   * @throws io.communica.core.SerializationException if the serializer fails (the buffer is
   *     released)
   */
  public static ByteBuf message(
      ByteBufAllocator alloc,
      int type,
      int id,
      byte[] route,
      @Nullable Object value,
      Serializer serializer) {
    if (value == null) {
      return begin(alloc, type, FrameHeader.FLAG_EMPTY, 0, id, 0, route, 0);
    }
    ByteBuf buf =
        begin(alloc, type, 0, serializer.contentType(), id, 0, route, payloadHint(value));
    return encodeInto(alloc, buf, value, serializer);
  }

  /**
   * Heap buffers, for frames encoded on threads that are not event loops. Netty's pooled
   * allocators serve such threads from shared, contended caches and take the buffer back across
   * threads when the loop releases it; a small frame on the heap costs an array from the thread's
   * allocation buffer, and the loop copies it into its write batch either way.
   */
  private static final ByteBufAllocator CALLER_HEAP = HeapFrames.INSTANCE;

  /**
   * The allocator for a frame carrying {@code value}, encoded on the calling thread: {@code
   * pooled} on an event loop, or when the payload is known to be large (it is written as it is, a
   * heap buffer would be copied again); heap buffers on other threads, and for payloads known to
   * exceed {@link #LARGE} on any thread.
   */
  static ByteBufAllocator forCaller(ByteBufAllocator pooled, @Nullable Object value) {
    int hint = value == null ? 0 : payloadHint(value);
    if (hint > LARGE) {
      // past what Netty pools: a fresh direct buffer is zeroed and faulted in for each message;
      // the message goes in fragments, each copied to a pooled direct buffer as it is written
      return CALLER_HEAP;
    }
    if (FastThreadLocalThread.currentThreadHasFastThreadLocal()
        || hint > FrameBatch.SMALL_FRAME
        || value instanceof Payload) {
      return pooled;
    }
    return CALLER_HEAP;
  }

  /**
   * Frames and reassembled messages larger than this go on the heap: Netty's pooled allocator
   * serves direct buffers up to 1 MiB, and a larger one is a new allocation of the JDK's, zeroed
   * and faulted in each time.
   */
  static final int LARGE = 1 << 20;

  /** Payloads larger than this are not copied into their frame but follow its header. */
  static final int COPIED_PAYLOAD = 1024;

  /**
   * What to reserve for a value's payload: its size where it is known (a frame buffer grown while
   * encoding is copied), else a small message's.
   */
  private static int payloadHint(Object value) {
    if (value instanceof byte[] bytes) {
      return bytes.length;
    }
    if (value instanceof Payload p) {
      return p.size() <= COPIED_PAYLOAD ? p.size() : 0;
    }
    return 64;
  }

  /**
   * Appends {@code value} to {@code buf}; releases it when the serializer fails. A {@link Payload}
   * goes as it is: a small one copied, a large one after the header as a {@link SplitFrame},
   * without a copy. Returns the frame.
   */
  private static ByteBuf encodeInto(
      ByteBufAllocator alloc, ByteBuf buf, Object value, Serializer serializer) {
    try {
      if (value instanceof Payload p) {
        ByteBuf content = Payloads.take(p);
        if (content.readableBytes() <= COPIED_PAYLOAD) {
          try {
            buf.writeBytes(content, content.readerIndex(), content.readableBytes());
          } finally {
            content.release();
          }
          return buf;
        }
        return new SplitFrame(alloc, buf, content);
      } else if (value instanceof Arguments call) {
        serializer.encodeArguments(call.method(), call.values(), buf);
      } else {
        serializer.encode(value, buf);
      }
    } catch (Throwable t) {
      buf.release();
      throw t;
    }
    return buf;
  }

  /**
   * Encodes a REQUEST or MESSAGE frame carrying {@code value} after a metadata section (flag
   * METADATA), or without one when {@code metadata} is empty. The caller checked the metadata's
   * size ({@link MetadataCodec#check}).
   */
  public static ByteBuf message(
      ByteBufAllocator alloc,
      int type,
      byte[] route,
      @Nullable Object value,
      Serializer serializer,
      Map<String, String> metadata) {
    if (metadata.isEmpty()) {
      return message(alloc, type, 0, route, value, serializer);
    }
    int size = MetadataCodec.pairsSize(metadata);
    int flags = FrameHeader.FLAG_METADATA | (value == null ? FrameHeader.FLAG_EMPTY : 0);
    int contentType = value == null ? 0 : serializer.contentType();
    ByteBuf buf =
        begin(
            alloc, type, flags, contentType, 0, 0, route,
            2 + size + (value == null ? 0 : payloadHint(value)));
    MetadataCodec.write(buf, metadata, size);
    return value == null ? buf : encodeInto(alloc, buf, value, serializer);
  }
}
