package io.communica.core.internal.access;

import io.netty.buffer.ByteBuf;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;

/**
 * How the session makes {@code io.communica.core.Payload}s of received bytes and takes the bytes
 * of one being sent, without the public package depending on the session's: {@code Payload}
 * installs its {@link Hooks} when its class initializes. The types are {@code Object} here so that
 * this package depends on nothing of communica's (it sits below both).
 */
public final class PayloadAccess {

  /** What {@code Payload} lets the session do. */
  public interface Hooks {
    /**
     * A payload viewing {@code payload} (retained), whose close gives its size back through
     * {@code release}.
     */
    Object received(ByteBuf payload, LongConsumer release);

    /** The payload's content, taken once for sending; fails when it was closed or taken. */
    ByteBuf take(Object payload);
  }

  private static volatile @Nullable Hooks hooks;

  private PayloadAccess() {}

  /** Called once, by {@code Payload}'s static initializer. */
  public static void install(Hooks h) {
    hooks = h;
  }

  /** The installed hooks, or null before {@code Payload} was initialized. */
  public static @Nullable Hooks hooks() {
    return hooks;
  }
}
