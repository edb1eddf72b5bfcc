package io.communica.core.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.Handler;
import io.communica.core.OverloadedException;
import io.communica.core.Utf8Serializer;
import io.communica.core.frame.FrameType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;

/**
 * What other threads hand over to a session waits in its outbox: counted against the queue bound
 * ({@link SessionSettings#maxQueuedBytes()}), and beyond the outbox's free part against the
 * memory budget, until the loop has written it; then both counts go back to zero.
 */
@Timeout(20)
class OutboxBudgetTest {

  private static final byte[] ROUTE = RouteIndex.utf8("m");

  private final VirtualConnection conn = new VirtualConnection();
  private final TestSettings settings =
      new TestSettings(Duration.ofSeconds(10), Duration.ofSeconds(30), 0, conn::now);
  private @Nullable Session session;

  /**
   * A server session, open; the test then plays a thread that is not its loop. Its account of the
   * process's memory budget is its own: what it holds is this session's alone.
   */
  private Session open() {
    Routes routes = new Routes(Map.of("m", Handler.nonBlocking(String.class, s -> s)), new Utf8Serializer());
    conn.open(
        c -> {
          Session s = Session.server(c, settings, routes, new RecordingOwner());
          session = s;
          return s;
        });
    conn.receive(VirtualConnection.hello("outbox", 10_000));
    conn.takeWritten().forEach(ByteBuf::release); // WELCOME
    conn.foreign(true);
    return session;
  }

  /** A message of {@code payload} characters, handed over as another thread would. */
  private static FireItem message(Outcome outcome, int payload) {
    ByteBuf frame =
        Frames.message(
            ByteBufAllocator.DEFAULT, FrameType.MESSAGE, 0, ROUTE, "x".repeat(payload),
            new Utf8Serializer());
    return new FireItem(outcome, frame, Duration.ofSeconds(10));
  }

  @Test
  void whatWaitsBeyondTheFreePartIsHeldFromTheBudgetUntilTheLoopWroteIt() {
    Session s = open();
    List<Outcome> outcomes = new ArrayList<>();
    long total = 0;
    // some 200 KiB: past the free part (64 KiB), within the queue bound (1 MiB)
    for (int i = 0; i < 200; i++) {
      Outcome o = new Outcome();
      FireItem m = message(o, 1000);
      total += m.size();
      assertThat(s.submit(m)).isTrue();
      outcomes.add(o);
      long beyond = Math.max(0, total - MemoryBudget.FREE_QUEUE);
      assertThat(s.queuedBytes()).isEqualTo(total);
      // what exceeds the free part is covered, and at most a step more
      assertThat(s.account.held()).isBetween(beyond, beyond + Outbox.BUDGET_STEP);
    }
    assertThat(outcomes).allMatch(o -> !o.done);

    conn.runTasks();

    assertThat(outcomes).allMatch(o -> o.done && o.error == null);
    assertThat(s.queuedBytes()).isZero();
    assertThat(s.account.held()).isZero();
    conn.takeWritten().forEach(ByteBuf::release);
  }

  @Test
  void anItemPastTheQueueBoundIsRefusedAndTheCountsStayTrue() {
    Session s = open();
    long max = settings.maxQueuedBytes();
    long total = 0;
    Outcome refused = null;
    List<Outcome> accepted = new ArrayList<>();
    for (int i = 0; refused == null; i++) {
      Outcome o = new Outcome();
      FireItem m = message(o, 8000);
      s.submit(m);
      if (o.error != null) {
        refused = o;
      } else {
        total += m.size();
        accepted.add(o);
      }
      assertThat(i).as("items before one is refused").isLessThan(1000);
    }
    assertThat(refused.error).isInstanceOf(OverloadedException.class).hasMessageContaining("queued");
    assertThat(total).isLessThanOrEqualTo(max);
    assertThat(s.queuedBytes()).isEqualTo(total);

    conn.runTasks();

    assertThat(accepted).allMatch(o -> o.done && o.error == null);
    assertThat(s.queuedBytes()).isZero();
    assertThat(s.account.held()).isZero();
    conn.takeWritten().forEach(ByteBuf::release);
  }

  /** The subscriber of one message's {@code Mono<Void>}. */
  private static final class Outcome implements CoreSubscriber<Void> {
    boolean done;
    @Nullable Throwable error;

    @Override
    public void onSubscribe(Subscription s) {}

    @Override
    public void onNext(Void v) {}

    @Override
    public void onError(Throwable t) {
      done = true;
      error = t;
    }

    @Override
    public void onComplete() {
      done = true;
    }
  }
}
