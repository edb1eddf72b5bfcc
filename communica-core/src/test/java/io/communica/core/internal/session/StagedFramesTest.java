package io.communica.core.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.ConnectionLostException;
import io.communica.core.Utf8Serializer;
import io.communica.core.frame.FrameHeader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;

/**
 * Chunks of staged fire-and-forget frames are reused, and never while a message staged in them
 * waits: its frame stays as it was staged until it is released (written or failed).
 */
@Timeout(30)
class StagedFramesTest {

  private static final byte[] ROUTE = "r".getBytes(StandardCharsets.UTF_8);

  /** Each test stages on a thread of its own: the staging state is the thread's. */
  private static <T> T onFreshThread(Callable<T> work) throws Exception {
    FutureTask<T> task = new FutureTask<>(work);
    Thread t = new Thread(task, "staging-test");
    t.start();
    return task.get();
  }

  private static FireItem stage(int n) {
    // 200 bytes that say which message they are
    byte[] payload = new byte[200];
    Arrays.fill(payload, (byte) n);
    FireItem item =
        StagedFrames.stage(
            new Ignoring(), new Utf8Serializer(), ROUTE, payload, 1 << 20, Duration.ofSeconds(10));
    assertThat(item).as("staged").isNotNull();
    return item;
  }

  /** Whether the item's frame in its chunk still carries message {@code n}'s payload. */
  private static boolean intact(FireItem item, int n) {
    byte[] b = item.stagedChunk().bytes;
    int from = item.stagedAt() + FrameHeader.SIZE + ROUTE.length;
    for (int i = 0; i < 200; i++) {
      if (b[from + i] != (byte) n) {
        return false;
      }
    }
    return true;
  }

  @Test
  void aChunkIsReusedOnlyOnceEveryMessageInItIsReleased() throws Exception {
    onFreshThread(
        () -> {
          List<FireItem> items = new ArrayList<>();
          items.add(stage(0));
          StagedFrames.Chunk first = items.get(0).stagedChunk();
          int n = 1;
          while (items.get(items.size() - 1).stagedChunk() == first) {
            items.add(stage(n++));
          }
          // every message of the first chunk but one is written
          List<FireItem> inFirst =
              items.stream().filter(i -> i.stagedChunk() == first).toList();
          assertThat(inFirst).hasSizeGreaterThan(2);
          FireItem held = inFirst.get(inFirst.size() - 1);
          int heldNumber = items.indexOf(held);
          for (FireItem i : inFirst) {
            if (i != held) {
              i.stagedChunk().release();
            }
          }
          // many chunks later, the first is still not reused and the waiting frame is intact
          for (int k = 0; k < 8 * StagedFrames.CHUNK / 200; k++) {
            FireItem next = stage(n++ & 0x7f);
            assertThat(next.stagedChunk()).isNotSameAs(first);
          }
          assertThat(intact(held, heldNumber & 0x7f)).isTrue();
          // its last message fails: the chunk comes back and is reused
          held.fail(new ConnectionLostException("closed"));
          assertThat(held.stagedChunk()).isNull();
          boolean reused = false;
          for (int k = 0; k < 2 * (StagedFrames.SPARES + 2) * StagedFrames.CHUNK / 200; k++) {
            reused |= stage(n++ & 0x7f).stagedChunk() == first;
          }
          assertThat(reused).as("the first chunk reused").isTrue();
          return null;
        });
  }

  @Test
  void aChunkWhoseMessagesAreAllReleasedBeforeItIsFullIsFilledAgain() throws Exception {
    onFreshThread(
        () -> {
          FireItem a = stage(1);
          StagedFrames.Chunk chunk = a.stagedChunk();
          a.stagedChunk().release();
          FireItem last = a;
          int n = 2;
          // fill the chunk, releasing each message at once: the next message after it is full
          // starts the same chunk over
          while (true) {
            FireItem next = stage(n++ & 0x7f);
            if (next.stagedAt() < last.stagedAt()) {
              assertThat(next.stagedChunk()).isSameAs(chunk);
              break;
            }
            next.stagedChunk().release();
            last = next;
          }
          return null;
        });
  }

  private static final class Ignoring implements CoreSubscriber<Void> {
    @Override
    public void onSubscribe(Subscription s) {}

    @Override
    public void onNext(Void v) {}

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onComplete() {}
  }
}
