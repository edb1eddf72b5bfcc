package io.communica.core.internal.session;

import io.communica.core.frame.MetadataCodec;
import io.communica.core.Serializer;
import io.communica.core.frame.FrameHeader;
import io.communica.core.internal.remote.Arguments;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
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
    ByteBuf buf = alloc.ioBuffer(FrameHeader.SIZE + route.length + payloadHint);
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
    ByteBuf buf = begin(alloc, type, 0, serializer.contentType(), id, 0, route, 64);
    return encodeInto(buf, value, serializer);
  }

  /** Appends {@code value} to {@code buf}; releases it when the serializer fails. */
  private static ByteBuf encodeInto(ByteBuf buf, Object value, Serializer serializer) {
    try {
      if (value instanceof Arguments call) {
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
    ByteBuf buf = begin(alloc, type, flags, contentType, 0, 0, route, 2 + size + 64);
    MetadataCodec.write(buf, metadata, size);
    return value == null ? buf : encodeInto(buf, value, serializer);
  }
}
