package io.communica.core.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.Utf8Serializer;
import io.communica.core.frame.ErrorKind;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Dead peers are found on time: within the keep-alive timeout of the last bytes received plus at
 * most 10%, checked on a virtual clock so that the machine's load cannot blur the figures; and
 * every close is reported: a CLOSE frame to the peer, one WARN line when it is not normal.
 */
@Timeout(20)
class KeepAliveTimeTest {

  private static final Duration INTERVAL = Duration.ofSeconds(10);
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final VirtualConnection conn = new VirtualConnection();
  private final List<String> warnings = new ArrayList<>();
  private final RecordingOwner owner =
      new RecordingOwner(new CloseLog(10, warnings::add, conn::now));

  /** A server session on the virtual connection that has received a HELLO at virtual time 0. */
  private void openServer(int peerIntervalMs) {
    SessionSettings settings = new TestSettings(INTERVAL, TIMEOUT, 0, conn::now);
    Routes routes = new Routes(Map.of(), new Utf8Serializer());
    conn.open(c -> Session.server(c, settings, routes, owner));
    conn.receive(hello(peerIntervalMs));
    assertThat(conn.closedAt()).isEqualTo(-1);
  }

  private static ByteBuf hello(int keepAliveMs) {
    return VirtualConnection.hello("timed", keepAliveMs);
  }

  private static ByteBuf ping() {
    ByteBuf b = Unpooled.buffer();
    FrameHeader.write(b, FrameType.PING, 0, 0, 0, 0, 0);
    return b;
  }

  @AfterEach
  void release() {
    conn.takeWritten().forEach(ByteBuf::release);
  }

  /** How long after {@code lastRead} the connection was closed. */
  private Duration closedAfter(Duration lastRead) {
    assertThat(conn.closedAt()).as("closed").isNotNegative();
    assertThat(owner.closedWith.get()).hasMessageContaining("keep-alive timeout");
    return Duration.ofNanos(conn.closedAt()).minus(lastRead);
  }

  private static Duration plusTenPercent(Duration d) {
    return d.plus(d.dividedBy(10));
  }

  @Test
  void aSilentPeerIsFoundDeadAtTheTimeoutOfItsLastBytesNotAtTheNextTick() {
    openServer((int) INTERVAL.toMillis());
    // the last bytes arrive between two keep-alive ticks
    Duration lastRead = Duration.ofSeconds(5);
    conn.advance(lastRead.toNanos());
    conn.receive(ping());
    conn.advance(Duration.ofMinutes(5).toNanos());
    assertThat(closedAfter(lastRead)).isBetween(TIMEOUT, plusTenPercent(TIMEOUT));
  }

  @Test
  void aPeerThatKeepsSendingIsNeverClosed() {
    openServer((int) INTERVAL.toMillis());
    for (int i = 0; i < 100; i++) {
      conn.advance(TIMEOUT.minusMillis(1).toNanos());
      conn.receive(ping());
    }
    assertThat(conn.closedAt()).isEqualTo(-1);
    conn.advance(TIMEOUT.toNanos());
    assertThat(conn.closedAt()).isNotNegative();
  }

  @Test
  void aPeerWithALongerIntervalGetsThreeOfItsIntervals() {
    openServer(15_000);
    conn.advance(Duration.ofMinutes(5).toNanos());
    Duration expected = Duration.ofSeconds(45);
    assertThat(closedAfter(Duration.ZERO)).isBetween(expected, plusTenPercent(expected));
  }

  @Test
  void aHugeIntervalInHelloCannotSwitchDetectionOff() {
    openServer(Integer.MAX_VALUE);
    conn.advance(Duration.ofHours(1).toNanos());
    Duration cap = TIMEOUT.multipliedBy(2);
    assertThat(closedAfter(Duration.ZERO)).isBetween(cap, plusTenPercent(cap));
  }

  @Test
  void aKeepAliveTimeoutSendsCloseAndLogsOneWarning() {
    openServer((int) INTERVAL.toMillis());
    conn.advance(Duration.ofMinutes(1).toNanos());
    List<ByteBuf> written = conn.takeWritten();
    ByteBuf last = written.get(written.size() - 1);
    assertThat(FrameHeader.type(last)).isEqualTo(FrameType.CLOSE);
    assertThat(FrameHeader.errorKind(last)).isEqualTo(ErrorKind.CLOSE_KEEP_ALIVE_TIMEOUT);
    written.forEach(ByteBuf::release);
    assertThat(warnings).singleElement().asString().contains("keep-alive timeout");
  }

  @Test
  void aProtocolErrorLogsOneWarning() {
    openServer((int) INTERVAL.toMillis());
    conn.receive(hello(1000)); // a second HELLO
    assertThat(conn.closedAt()).isZero();
    assertThat(warnings).singleElement().asString().contains("unexpected HELLO");
  }

  @Test
  void aNormalCloseLogsNoWarning() {
    openServer((int) INTERVAL.toMillis());
    owner.opened.getNow(null).close("done");
    assertThat(conn.closedAt()).isZero();
    assertThat(warnings).isEmpty();
  }
}
