package io.communica.core.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.Utf8Serializer;
import io.communica.core.frame.Capabilities;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.communica.test.LeakCheckExtension;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Property-based fuzzing of the server's handshake: whatever HELLO arrives, the server answers
 * WELCOME and opens, or answers REFUSE or CLOSE and closes; nothing escapes the session.
 */
class HandshakeFuzzTest {

  static {
    LeakCheckExtension.install();
  }

  private static final Routes ROUTES = new Routes(Map.of(), new Utf8Serializer());

  @Property
  void everyHelloIsWelcomedOrRefusedWithAReason(@ForAll("hellos") byte[] payload) {
    VirtualConnection conn = new VirtualConnection();
    SessionSettings settings =
        new TestSettings(
            Duration.ofSeconds(10), Duration.ofSeconds(30), Capabilities.SUPPORTED, conn::now);
    RecordingOwner owner = new RecordingOwner();
    conn.open(c -> Session.server(c, settings, ROUTES, owner));
    ByteBuf frame = Unpooled.buffer(FrameHeader.SIZE + payload.length);
    FrameHeader.write(frame, FrameType.HELLO, 0, 0, 0, 0, 0);
    frame.writeBytes(payload);
    conn.receive(frame);
    List<ByteBuf> written = conn.takeWritten();
    try {
      assertThat(written).isNotEmpty();
      int answer = FrameHeader.type(written.get(0));
      if (answer == FrameType.WELCOME) {
        assertThat(owner.isOpened()).isTrue();
        assertThat(conn.closedAt()).isEqualTo(-1);
      } else {
        assertThat(answer).isIn(FrameType.REFUSE, FrameType.CLOSE);
        assertThat(owner.isOpened()).isFalse();
        assertThat(conn.closedAt()).isZero();
      }
    } finally {
      written.forEach(ByteBuf::release);
    }
  }

  /** HELLO payloads: well-formed ones with hostile fields, cut ones, and random bytes. */
  @Provide
  Arbitrary<byte[]> hellos() {
    Arbitrary<Integer> anyInt =
        Arbitraries.oneOf(
            Arbitraries.integers(),
            Arbitraries.of(0, -1, 1, 4095, 4096, 65536, Integer.MAX_VALUE, Integer.MIN_VALUE));
    // limits mostly valid, so that the fields after them are reached
    Arbitrary<Integer> limit =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(4096, 1 << 24)),
            net.jqwik.api.Tuple.of(1, anyInt));
    Arbitrary<Integer> cutAt =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, Arbitraries.just(Integer.MAX_VALUE)),
            net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 400)));
    Arbitrary<byte[]> id = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
    // how far the id's and the credentials' length fields are off the bytes that follow
    Arbitrary<net.jqwik.api.Tuple.Tuple2<Integer, Integer>> deltas =
        Arbitraries.of(0, 0, 0, 0, 1, -1, 1000, 65535).tuple2();
    Arbitrary<byte[]> tail = Arbitraries.bytes().array(byte[].class).ofMaxSize(40);
    Arbitrary<byte[]> structured =
        Combinators.combine(
                limit, limit, limit, id, deltas, anyInt, tail, cutAt)
            .as(
                (maxMessage, maxFrame, keepAlive, idBytes, delta, caps, rest, cut) -> {
                  ByteBuf b = Unpooled.buffer();
                  b.writeInt(maxMessage).writeInt(maxFrame).writeInt(keepAlive);
                  b.writeShort(idBytes.length + delta.get1()).writeBytes(idBytes);
                  b.writeShort(rest.length / 2 + delta.get2()).writeBytes(rest, 0, rest.length / 2);
                  b.writeInt(caps).writeBytes(rest, rest.length / 2, rest.length - rest.length / 2);
                  byte[] all = new byte[b.readableBytes()];
                  b.readBytes(all);
                  return cut < all.length ? java.util.Arrays.copyOf(all, cut) : all;
                });
    Arbitrary<byte[]> valid =
        Combinators.combine(
                Arbitraries.strings().ofMinLength(1).ofMaxLength(80),
                Arbitraries.integers().between(1, 100_000),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(20))
            .as(
                (clientId, keepAlive, token) -> {
                  byte[] idBytes = clientId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                  ByteBuf b = Unpooled.buffer();
                  b.writeInt(1 << 20).writeInt(64 * 1024).writeInt(keepAlive);
                  b.writeShort(idBytes.length).writeBytes(idBytes).writeShort(0);
                  b.writeInt(Capabilities.RESUME_TOKEN).writeByte(token.length).writeBytes(token);
                  byte[] all = new byte[b.readableBytes()];
                  b.readBytes(all);
                  return all;
                });
    Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(100);
    return Arbitraries.oneOf(structured, valid, random);
  }
}
