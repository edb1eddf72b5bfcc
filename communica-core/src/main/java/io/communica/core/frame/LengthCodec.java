package io.communica.core.frame;

import io.netty.buffer.ByteBuf;
import org.jspecify.annotations.Nullable;

/**
 * The length prefix of stream transports: each frame on a byte stream is preceded by a u32 giving
 * its size. This class holds the one check every stream decoder applies to that prefix before it
 * waits for the frame's bytes, so that nothing is ever buffered or allocated from a length the peer
 * merely claims.
 *
 * @since 0.2
 */
public final class LengthCodec {

  /** Size of the length prefix. */
  public static final int PREFIX = 4;

  private LengthCodec() {}

  /**
   * Checks a frame length read from a prefix.
   *
   * @param length the prefix's value (the frame's size without the prefix), read as unsigned
   * @param maxFrameSize the largest frame this side accepts, prefix included
   * @return the length as an int
   * @throws FrameException when the length is shorter than the fixed header or the frame larger
   *     than {@code maxFrameSize}
   */
  public static int checkLength(long length, int maxFrameSize) {
    if (length < FrameHeader.SIZE) {
      throw new FrameException("frame length " + length + " is shorter than the frame header");
    }
    if (length + PREFIX > maxFrameSize) {
      throw new FrameException(
          "frame length " + length + " exceeds the maximum frame size of " + maxFrameSize);
    }
    return (int) length;
  }

  /**
   * Cuts the next frame off a byte stream: a slice of {@code in} holding one frame without its
   * prefix, with {@code in}'s reader index moved past it; or null, leaving {@code in} as it was,
   * when the frame is not complete yet.
   *
   * @throws FrameException when the next length prefix fails {@link #checkLength}
   */
  public static @Nullable ByteBuf next(ByteBuf in, int maxFrameSize) {
    if (in.readableBytes() < PREFIX) {
      return null;
    }
    int start = in.readerIndex();
    int length = checkLength(in.getUnsignedInt(start), maxFrameSize);
    if (in.readableBytes() - PREFIX < length) {
      return null;
    }
    ByteBuf frame = in.slice(start + PREFIX, length);
    in.skipBytes(PREFIX + length);
    return frame;
  }

  /** Appends a frame to {@code out} with its length prefix; the frame is left as it is. */
  public static void writePrefixed(ByteBuf out, ByteBuf frame) {
    int n = frame.readableBytes();
    out.writeInt(n);
    copy(out, frame, frame.readerIndex(), n);
  }

  /**
   * Appends {@code n} bytes of {@code src} from {@code index} to {@code out}. A heap source is
   * copied from its array: the buffers of Netty 4.2's adaptive allocator (the default) copy from
   * another kind of buffer through a {@code ByteBuffer} made for the call, one object per frame
   * for the heap frames that callers off the loop encode and the small headers of large replies.
   */
  static void copy(ByteBuf out, ByteBuf src, int index, int n) {
    if (src.hasArray()) {
      out.writeBytes(src.array(), src.arrayOffset() + index, n);
    } else {
      out.writeBytes(src, index, n);
    }
  }
}
