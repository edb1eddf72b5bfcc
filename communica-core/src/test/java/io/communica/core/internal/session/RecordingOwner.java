package io.communica.core.internal.session;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * A session owner for tests: {@link #opened} completes with the session once open, or fails with
 * the cause when it closes first; {@link #closedWith} keeps the cause of the close.
 */
class RecordingOwner implements SessionOwner {

  final CompletableFuture<Session> opened = new CompletableFuture<>();
  final AtomicReference<@Nullable Throwable> closedWith = new AtomicReference<>();
  /** Completes with the cause once the session closed. */
  final CompletableFuture<Throwable> closed = new CompletableFuture<>();
  private final CloseLog closeLog;

  RecordingOwner(CloseLog closeLog) {
    this.closeLog = closeLog;
  }

  RecordingOwner() {
    this(new CloseLog());
  }

  /** Whether the session opened (and did not close before). */
  boolean isOpened() {
    return opened.isDone() && !opened.isCompletedExceptionally();
  }

  @Override
  public void onOpen(Session session) {
    opened.complete(session);
  }

  @Override
  public void onClose(Session session, Throwable cause) {
    closedWith.set(cause);
    opened.completeExceptionally(cause);
    closed.complete(cause);
  }

  @Override
  public CloseLog closeLog() {
    return closeLog;
  }
}
