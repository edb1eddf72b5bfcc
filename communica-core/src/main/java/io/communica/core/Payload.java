package io.communica.core;

import static java.util.Objects.requireNonNull;

import io.communica.core.internal.access.PayloadAccess;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Message bytes carried from the socket to a handler and back without a copy into a {@code
 * byte[]}: a received payload is a view of the transport's read buffer, and a payload sent is
 * written from its buffer as it is. Declare it as the request or reply type ({@code
 * Handler.nonBlocking(Payload.class, ...)}, {@code client.request(data, Payload.class)}) with any
 * serializer: its bytes are the message's payload as it is, never passed through the serializer; a
 * serializer can read them without a copy with {@code serializer.decode(payload.content(), type)}.
 *
 * <p><b>Ownership.</b> A payload holds a reference-counted buffer, which whoever owns the payload
 * must give back with {@link #close()} exactly once (further calls do nothing):
 *
 * <ul>
 *   <li><b>Received</b> (a handler's argument, a reply a {@code Mono} emits): the receiver owns
 *       it. Close it when done, or hand it on by sending it. While it is open it counts against
 *       the process's memory budget ({@code communica.memoryBudget}, see {@code
 *       docs/RELIABILITY.md}) for its connection, and it keeps the read buffer it is a part of
 *       (the transport's: up to 1 MiB over TCP and Unix sockets): copy what you keep for long
 *       ({@link #toByteArray()}). If a handler throws, communica closes the payload it was given.
 *   <li><b>Sent</b> (a handler's reply, or the data of {@code request} and {@code fireAndForget}):
 *       ownership passes to communica when the handler returns it (or its publisher emits it),
 *       respectively when the call's {@code Mono} is subscribed; communica closes it once the
 *       bytes are encoded, also when the call fails or is cancelled. A {@code Mono} carrying a
 *       payload can therefore be subscribed once; a second subscription fails with a {@link
 *       SerializationException}. A payload that was never sent (the {@code Mono} not subscribed)
 *       stays with its owner to close.
 * </ul>
 *
 * <p>Payloads up to 1 KiB are copied into the frame batch that goes to the socket (one copy of a
 * small message beats a buffer of its own); larger ones are written from their buffer. {@code
 * byte[]} and {@code String} stay supported everywhere; {@code Payload} is for handlers that pass
 * bytes on or read them with a serializer.
 *
 * <p>Instances are not thread-safe except {@link #close()}; hand one to another thread as a whole.
 *
 * @since 0.3
 */
public final class Payload implements AutoCloseable {

  private static final AtomicIntegerFieldUpdater<Payload> CLOSED =
      AtomicIntegerFieldUpdater.newUpdater(Payload.class, "closed");

  static {
    PayloadAccess.install(
        new PayloadAccess.Hooks() {
          @Override
          public Object received(ByteBuf payload, LongConsumer release) {
            return Payload.received(payload, release);
          }

          @Override
          public ByteBuf take(Object payload) {
            return ((Payload) payload).takeContent();
          }
        });
  }

  private final ByteBuf content;
  private final int size;
  /** Gives the payload's size back to its connection's memory budget; null when not received. */
  private final @Nullable LongConsumer release;
  private volatile int closed;

  private Payload(ByteBuf content, @Nullable LongConsumer release) {
    this.content = content;
    this.size = content.readableBytes();
    this.release = release;
  }

  /**
   * A payload of the readable bytes of {@code content}, taking ownership of it: {@link #close()}
   * releases it once. Use it to send a buffer you allocated, e.g. from {@code
   * PooledByteBufAllocator.DEFAULT}.
   */
  public static Payload wrap(ByteBuf content) {
    return new Payload(requireNonNull(content, "content"), null);
  }

  /** A payload of {@code bytes}, without a copy: do not change the array until it was sent. */
  public static Payload wrap(byte[] bytes) {
    return new Payload(Unpooled.wrappedBuffer(requireNonNull(bytes, "bytes")), null);
  }

  /**
   * Internal: a received payload, a view of {@code payload} that holds a reference of its own and
   * {@code size} bytes of its connection's budget, given back through {@code release} on close; the
   * caller reserved them.
   */
  static Payload received(ByteBuf payload, LongConsumer release) {
    return new Payload(payload.retainedSlice(), release);
  }

  /**
   * The bytes, as a buffer whose readable bytes are the payload. Valid until {@link #close()};
   * do not release it (close the payload) and do not retain it past the close.
   *
   * @throws IllegalStateException if the payload is closed
   */
  public ByteBuf content() {
    checkOpen();
    return content;
  }

  /** A read-only view of the bytes, valid until {@link #close()}. */
  public ByteBuffer asByteBuffer() {
    checkOpen();
    return content.nioBuffer(content.readerIndex(), size).asReadOnlyBuffer();
  }

  /** Number of bytes. */
  public int size() {
    return size;
  }

  /** A copy of the bytes, to keep after {@link #close()}. */
  public byte[] toByteArray() {
    checkOpen();
    return ByteBufUtil.getBytes(content, content.readerIndex(), size);
  }

  /** Whether the payload still holds its buffer. */
  public boolean isOpen() {
    return closed == 0;
  }

  /** Releases the buffer and gives its bytes back to the memory budget; later calls do nothing. */
  @Override
  public void close() {
    if (CLOSED.compareAndSet(this, 0, 1)) {
      try {
        content.release();
      } finally {
        if (release != null) {
          release.accept(size);
        }
      }
    }
  }

  /**
   * Internal, for encoding: marks the payload sent and returns its buffer with the reference the
   * payload held, which the caller now owns; the budget gets its bytes back.
   *
   * @throws SerializationException if the payload was closed (sent already)
   */
  ByteBuf takeContent() {
    if (!CLOSED.compareAndSet(this, 0, 1)) {
      throw new SerializationException(
          "the payload was closed or sent already: a Mono carrying a Payload is subscribed once");
    }
    if (release != null) {
      release.accept(size);
    }
    return content;
  }

  private void checkOpen() {
    if (closed != 0) {
      throw new IllegalStateException("the payload is closed");
    }
  }

  @Override
  public String toString() {
    return "Payload[" + size + " bytes" + (closed != 0 ? ", closed]" : "]");
  }
}
