package io.communica.core.frame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The metadata section of REQUEST and MESSAGE frames ({@code docs/PROTOCOL.md}): a u16 length M,
 * then M bytes of pairs, each a u16-length-prefixed UTF-8 key (1 byte or more) and a
 * u16-length-prefixed UTF-8 value. M is at most {@link FrameHeader#MAX_METADATA_BYTES}.
 *
 * @since 0.2
 */
public final class MetadataCodec {

  private MetadataCodec() {}

  /** Bytes of pairs {@code metadata} encodes to (M, without the length field). */
  public static int pairsSize(Map<String, String> metadata) {
    int n = 0;
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      n += 4 + ByteBufUtil.utf8Bytes(e.getKey()) + ByteBufUtil.utf8Bytes(e.getValue());
    }
    return n;
  }

  /**
   * Checks that {@code metadata} fits the limit and that keys are not empty.
   *
   * @throws IllegalArgumentException naming the size and the limit
   */
  public static void check(Map<String, String> metadata) {
    for (String key : metadata.keySet()) {
      if (key.isEmpty()) {
        throw new IllegalArgumentException("metadata keys must not be empty");
      }
    }
    int size = pairsSize(metadata);
    if (size > FrameHeader.MAX_METADATA_BYTES) {
      throw new IllegalArgumentException(
          "metadata of " + size + " bytes encoded exceeds the limit of "
              + FrameHeader.MAX_METADATA_BYTES + " bytes");
    }
  }

  /** Writes the section (length and pairs); {@code size} is {@link #pairsSize}. */
  public static void write(ByteBuf out, Map<String, String> metadata, int size) {
    out.writeShort(size);
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      writeString(out, e.getKey());
      writeString(out, e.getValue());
    }
  }

  private static void writeString(ByteBuf out, String s) {
    int at = out.writerIndex();
    out.writeShort(0);
    int n = ByteBufUtil.writeUtf8(out, s);
    out.setShort(at, n);
  }

  /** The M of a payload that starts with a section: its first u16, unchecked. */
  public static int declaredSize(ByteBuf payload) {
    return payload.getUnsignedShort(payload.readerIndex());
  }

  /**
   * Reads the pairs of a section of {@code size} bytes that follow the length field; the caller
   * checked {@code size} against the limit and the payload's length.
   *
   * @throws FrameException when the pairs do not fill the section exactly or a key is empty
   */
  public static Map<String, String> read(ByteBuf payload, int size) {
    int at = payload.readerIndex() + 2;
    int end = at + size;
    Map<String, String> metadata = new LinkedHashMap<>();
    while (at < end) {
      int keyLen = lengthAt(payload, at, end);
      if (keyLen == 0) {
        throw new FrameException("empty metadata key");
      }
      String key = payload.toString(at + 2, keyLen, StandardCharsets.UTF_8);
      at += 2 + keyLen;
      int valueLen = lengthAt(payload, at, end);
      String value = payload.toString(at + 2, valueLen, StandardCharsets.UTF_8);
      at += 2 + valueLen;
      metadata.put(key, value);
    }
    return metadata;
  }

  private static int lengthAt(ByteBuf payload, int at, int end) {
    if (at + 2 > end) {
      throw new FrameException("metadata pair runs past the end of its section");
    }
    int len = payload.getUnsignedShort(at);
    if (at + 2 + len > end) {
      throw new FrameException("metadata pair runs past the end of its section");
    }
    return len;
  }
}
