package io.communica.core.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.Handler;
import io.communica.core.Payload;
import io.communica.core.Utf8Serializer;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;

/**
 * Replies to a burst of requests read at once: small ones leave together at the burst's end, large
 * ones in flushes of about {@link FrameWriter#REPLY_FLUSH_BYTES}, so that the requester can take
 * the first of them while the rest of the burst is handled.
 */
@Timeout(20)
class ReplyFlushTest {

  private static final int BURST = 32;

  /** Frames of a 4 KiB reply: header and text; one flush carries the replies that reach the mark. */
  private static final int LARGE = 4096;

  private static final int PER_FLUSH =
      (FrameWriter.REPLY_FLUSH_BYTES + FrameHeader.SIZE + LARGE - 1) / (FrameHeader.SIZE + LARGE);

  /** BURST replies in flushes of PER_FLUSH, the last one at the burst's end with what is left. */
  private static List<Integer> expectedFlushes() {
    List<Integer> flushes = new ArrayList<>();
    for (int left = BURST; left > 0; left -= PER_FLUSH) {
      flushes.add(Math.min(left, PER_FLUSH));
    }
    return flushes;
  }

  private final VirtualConnection conn = new VirtualConnection();
  private final Utf8Serializer utf8 = new Utf8Serializer();

  private void openServer() {
    SessionSettings settings =
        new TestSettings(Duration.ofSeconds(10), Duration.ofSeconds(30), 0, conn::now);
    Routes routes =
        new Routes(
            Map.of(
                "echo", Handler.nonBlocking(String.class, s -> s),
                "payload", Handler.nonBlocking(Payload.class, p -> p),
                "reactive",
                Handler.reactive(String.class, s -> Mono.just(s).map(String::toString))),
            utf8);
    conn.open(c -> Session.server(c, settings, routes, new RecordingOwner()));
    conn.receive(VirtualConnection.hello("burst", 10_000));
    assertThat(conn.closedAt()).isEqualTo(-1);
    conn.takeWritten().forEach(ByteBuf::release); // WELCOME
    conn.takeFlushes();
  }

  /** {@code count} requests to {@code route}, ids from 1, each with a text of {@code size} characters. */
  private List<ByteBuf> requests(String route, int count, int size) {
    List<ByteBuf> frames = new ArrayList<>();
    for (int id = 1; id <= count; id++) {
      frames.add(
          Frames.message(
              ByteBufAllocator.DEFAULT, FrameType.REQUEST, id, RouteIndex.utf8(route),
              "x".repeat(size), utf8));
    }
    return frames;
  }

  /** The replies written, in order, checked to be RESPONSEs to requests 1 to {@code count}; released. */
  private void expectRepliesInOrder(int count) {
    List<ByteBuf> written = conn.takeWritten();
    try {
      assertThat(written).hasSize(count);
      for (int i = 0; i < count; i++) {
        assertThat(FrameHeader.type(written.get(i))).isEqualTo(FrameType.RESPONSE);
        assertThat(FrameHeader.id(written.get(i))).isEqualTo(i + 1);
      }
    } finally {
      written.forEach(ByteBuf::release);
    }
  }

  @AfterEach
  void release() {
    conn.takeWritten().forEach(ByteBuf::release);
  }

  @Test
  void smallRepliesToABurstLeaveInOneFlushAtItsEnd() {
    openServer();
    conn.receiveBurst(requests("echo", BURST, 64));
    assertThat(conn.takeFlushes()).containsExactly(BURST);
    expectRepliesInOrder(BURST);
  }

  /** Encoded replies, a {@code Payload} written in parts, and reactive replies completed in the burst. */
  @ParameterizedTest
  @ValueSource(strings = {"echo", "payload", "reactive"})
  void largeRepliesToABurstLeaveInFlushesOfAbout32KiB(String route) {
    openServer();
    assertThat(PER_FLUSH).isLessThan(BURST);
    conn.receiveBurst(requests(route, BURST, LARGE));
    assertThat(conn.takeFlushes()).containsExactlyElementsOf(expectedFlushes());
    expectRepliesInOrder(BURST);
  }

  @Test
  void burstsOfLargeRepliesThatEndShortOfTheMarkAreEachFlushedAtTheirEnd() {
    openServer();
    for (int round = 0; round < 3; round++) {
      conn.receiveBurst(requests("echo", PER_FLUSH - 1, LARGE));
      assertThat(conn.takeFlushes()).as("round %d", round).containsExactly(PER_FLUSH - 1);
      expectRepliesInOrder(PER_FLUSH - 1);
    }
  }
}
