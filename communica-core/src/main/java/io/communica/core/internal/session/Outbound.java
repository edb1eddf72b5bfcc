package io.communica.core.internal.session;

import io.communica.core.RequestTimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * Something a session sends: a request, a fire-and-forget message, a reply or a cancel. Written on
 * the session's loop, in the order submitted from one thread.
 */
public interface Outbound {

  /** Writes the frames on the loop (without flushing). Must release what it does not write. */
  void write(Session session);

  /** Fails the operation; from any thread, at most once effective. Releases held buffers. */
  void fail(Throwable error);

  /** Bytes held, counted against the session's queue bound. */
  int size();

  /** {@link System#nanoTime()} after which it should not be sent; {@code Long.MAX_VALUE} if never. */
  long deadline();

  /** The error for an item whose deadline passed before it could be sent. */
  default Throwable timeoutError() {
    return new RequestTimeoutException("not sent before its deadline");
  }

  /**
   * While the item waits in an entity's list for a connection, what its cancellation must do (take
   * it out of the list); null once it leaves the list.
   */
  default void whileWaiting(@Nullable Runnable onCancel) {}
}
