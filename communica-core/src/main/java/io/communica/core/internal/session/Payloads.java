package io.communica.core.internal.session;

import io.communica.core.OverloadedException;
import io.communica.core.Payload;
import io.communica.core.internal.access.PayloadAccess;
import io.netty.buffer.ByteBuf;
import org.jspecify.annotations.Nullable;

/**
 * The session's side of {@link Payload}: received payloads as views of the read buffer, counted
 * against the connection's memory budget, and sent payloads taken over for encoding. {@code
 * Payload} keeps these two operations out of its public API and hands them over through {@link
 * PayloadAccess} when its class is initialized.
 */
public final class Payloads {

  private Payloads() {}

  /** The hooks {@link Payload} installs when its class is initialized. */
  private static PayloadAccess.Hooks hooks() {
    PayloadAccess.Hooks h = PayloadAccess.hooks();
    if (h == null) {
      Payload.wrap(new byte[0]).close(); // initializes Payload, which installs its hooks
      h = PayloadAccess.hooks();
    }
    if (h == null) {
      throw new IllegalStateException("Payload did not install its access hooks");
    }
    return h;
  }

  /**
   * A received payload: a view of {@code payload} with a reference of its own, its bytes reserved
   * on {@code account} until it is closed.
   *
   * @throws OverloadedException when the memory budget refuses the bytes
   */
  public static Payload received(ByteBuf payload, MemoryBudget.Account account) {
    int n = payload.readableBytes();
    if (!account.reserve(n)) {
      throw new OverloadedException(
          "cannot hold a payload of " + n + " bytes: " + account.overBudget());
    }
    try {
      return (Payload) hooks().received(payload, account);
    } catch (RuntimeException | Error e) {
      account.release(n);
      throw e;
    }
  }

  /**
   * Takes a payload being sent: its buffer, whose reference the caller now owns.
   *
   * @throws io.communica.core.SerializationException if it was sent or closed already
   */
  public static ByteBuf take(Payload payload) {
    return hooks().take(payload);
  }

  /** Closes {@code value} if it is a payload nobody will send (a reply that is not wanted). */
  static void discard(@Nullable Object value) {
    if (value instanceof Payload p) {
      p.close();
    }
  }
}
