package io.communica.core.frame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import org.jspecify.annotations.Nullable;

/**
 * A frame in two parts, each a buffer of its own: its header (with the route and whatever else is
 * written before the payload) and its payload, which is sent as it is, without a copy. As a buffer
 * it is the two parts one after the other, for every transport; a {@link FrameBatch} takes it
 * apart instead: the header is copied into the batch behind its length prefix, and the payload
 * follows as an outbound buffer of its own, so the write gathers no composite.
 *
 * <p>Owns both parts: releasing it releases them.
 *
 * @since 0.3
 */
public final class SplitFrame extends CompositeByteBuf {

  private final ByteBuf header;
  private final ByteBuf payload;

  /**
   * A frame of {@code header} followed by {@code payload}, taking ownership of both (their
   * readable bytes, left as they are while the frame lives).
   */
  public SplitFrame(ByteBufAllocator alloc, ByteBuf header, ByteBuf payload) {
    super(alloc, true, 2, header, payload);
    this.header = header;
    this.payload = payload;
  }

  /** The header part, when the frame is still whole (nothing read from it), else null. */
  @Nullable ByteBuf wholeHeader() {
    return readerIndex() == 0
            && readableBytes() == header.readableBytes() + payload.readableBytes()
        ? header
        : null;
  }

  /** The payload part (read {@link #wholeHeader} first). */
  ByteBuf payload() {
    return payload;
  }
}
