package io.communica.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The trailer's introduction (the client's HELLO, packed when it can be, read back exactly), and
 * batches of messages: read back frame by frame, and refused whole when they do not add up.
 */
class WireTest {

  /** A HELLO in the layout the client's session writes, limits patched as the client patches them. */
  private static byte[] hello(String clientId, byte[] credentials, byte[] token) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeByte(FrameHeader.VERSION);
    out.writeByte(FrameType.HELLO);
    out.write(new byte[10]); // flags, content, id, error, route length
    out.writeInt(1 << 20); // maximum message
    out.writeInt(65_536); // maximum frame
    out.writeInt(20_000); // keep-alive
    byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
    out.writeShort(id.length);
    out.write(id);
    out.writeShort(credentials.length);
    out.write(credentials);
    out.writeInt(0x7);
    out.writeByte(token.length);
    out.write(token);
    byte[] h = bytes.toByteArray();
    Wire.patchLimits(h, h.length);
    return h;
  }

  private static byte[] readBack(byte[] intro) {
    // as the server reads it: out of a sealed body
    byte[] frame = {(byte) FrameHeader.VERSION, (byte) FrameType.MESSAGE, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 'x'};
    byte[] body = Wire.sealed(frame, 42L, 7L, intro);
    int len = Wire.frameLength(body);
    assertThat(len).isEqualTo(frame.length);
    assertThat(Wire.introLength(body)).isEqualTo(intro.length);
    assertThat(Wire.messageId(body)).isEqualTo(42L);
    assertThat(Wire.epoch(body)).isEqualTo(7L);
    return Wire.introHello(body, len, Wire.introLength(body));
  }

  @Test
  @Timeout(10)
  void aGeneratedIdIsPackedAndReadBackExactly() throws IOException {
    for (int i = 0; i < 100; i++) {
      String id = UUID.randomUUID().toString();
      byte[] hello = hello(id, new byte[0], new byte[0]);
      byte[] intro = Wire.intro(hello);
      assertThat(intro[0]).isEqualTo((byte) Wire.INTRO_PACKED);
      assertThat(intro.length).isEqualTo(hello.length - 36); // 12 header + 4 limit + 20 of the id
      byte[] back = readBack(intro);
      assertThat(back).isEqualTo(hello);
      assertThat(Wire.helloClientId(back)).isEqualTo(id);
    }
  }

  @Test
  @Timeout(10)
  void credentialsAndTokenAfterThePackedIdSurvive() throws IOException {
    byte[] creds = "user\0secret".getBytes(StandardCharsets.UTF_8);
    byte[] hello = hello("00000000-0000-0000-0000-0000000000ff", creds, new byte[] {1, 2, 3, 4});
    byte[] intro = Wire.intro(hello);
    assertThat(intro[0]).isEqualTo((byte) Wire.INTRO_PACKED);
    assertThat(readBack(intro)).isEqualTo(hello);
  }

  @Test
  @Timeout(10)
  void otherIdsTravelAsTheyAre() throws IOException {
    for (String id :
        new String[] {
          "worker-1",
          "3F2504E0-4F89-11D3-9A0C-0305E82C3301", // upper case: packing would change the id
          "3f2504e0-4f89-11d3-9a0c-0305e82c330", // 35 characters
          "3f2504e0x4f89-11d3-9a0c-0305e82c3301", // no dash where one belongs
          "3f2504e0-4f89-11d3-9a0c-0305e82c330g",
          "\u00e9t\u00e9-3f2504e0-4f89-11d3-9a0c"
        }) {
      byte[] hello = hello(id, new byte[0], new byte[0]);
      byte[] intro = Wire.intro(hello);
      assertThat(intro[0]).as(id).isEqualTo((byte) Wire.INTRO_HELLO);
      assertThat(intro.length).isEqualTo(hello.length + 1);
      byte[] back = readBack(intro);
      assertThat(back).isEqualTo(hello);
      assertThat(Wire.helloClientId(back)).isEqualTo(id);
    }
  }

  @Test
  @Timeout(10)
  void aHelloWithAnotherFrameLimitOrHeaderIsNotPacked() throws IOException {
    byte[] hello = hello(UUID.randomUUID().toString(), new byte[0], new byte[0]);
    byte[] limit = hello.clone();
    limit[FrameHeader.SIZE + 4] = 0; // frame limit no longer unlimited
    assertThat(Wire.intro(limit)[0]).isEqualTo((byte) Wire.INTRO_HELLO);
    assertThat(readBack(Wire.intro(limit))).isEqualTo(limit);
    byte[] flags = hello.clone();
    flags[FrameHeader.OFF_FLAGS] = 1;
    assertThat(Wire.intro(flags)[0]).isEqualTo((byte) Wire.INTRO_HELLO);
    assertThat(readBack(Wire.intro(flags))).isEqualTo(flags);
  }

  @Test
  @Timeout(10)
  void malformedIntroductionsGiveNoHello() {
    assertThat(Wire.introHello(new byte[0], 0, 0)).isNull();
    assertThat(Wire.introHello(new byte[] {9, 1, 2, 3}, 0, 4)).isNull(); // unknown kind
    byte[] shortPacked = new byte[20];
    shortPacked[0] = (byte) Wire.INTRO_PACKED;
    assertThat(Wire.introHello(shortPacked, 0, shortPacked.length)).isNull();
    // a verbatim introduction whose HELLO is garbage yields bytes, but no client id
    byte[] garbage = {(byte) Wire.INTRO_HELLO, 1, 2, 3};
    assertThat(Wire.helloClientId(Wire.introHello(garbage, 0, garbage.length))).isNull();
  }

  /** A MESSAGE frame to route "r" with {@code text} as its payload. */
  private static byte[] message(String text) {
    byte[] t = text.getBytes(StandardCharsets.UTF_8);
    byte[] f = new byte[FrameHeader.SIZE + 1 + t.length];
    f[0] = (byte) FrameHeader.VERSION;
    f[Wire.B_TYPE] = (byte) FrameType.MESSAGE;
    f[Wire.B_ROUTE_LEN + 1] = 1;
    f[FrameHeader.SIZE] = 'r';
    System.arraycopy(t, 0, f, FrameHeader.SIZE + 1, t.length);
    return f;
  }

  private static byte[] batchOf(byte[] intro, byte[]... frames) {
    int[] lens = new int[frames.length];
    byte[][] padded = new byte[frames.length][];
    for (int i = 0; i < frames.length; i++) {
      lens[i] = frames[i].length;
      padded[i] = java.util.Arrays.copyOf(frames[i], frames[i].length + 7); // room the body leaves
    }
    return Wire.batch(padded, lens, frames.length, 99L, 5L, intro);
  }

  private static final com.rabbitmq.client.AMQP.BasicProperties PROPS = Wire.persistent(null);

  @Test
  @Timeout(10)
  void aBatchIsReadBackFrameByFrameWithItsTrailer() throws IOException {
    byte[] intro = Wire.intro(hello(UUID.randomUUID().toString(), new byte[0], new byte[0]));
    byte[][] frames = {message("first"), message(""), message("the third, longer than the others")};
    byte[] body = batchOf(intro, frames);

    assertThat(Wire.isBatch(body)).isTrue();
    int len = Wire.frameLength(body);
    assertThat(len).isEqualTo(frames[0].length + frames[1].length + frames[2].length);
    assertThat(Wire.malformed(PROPS, body, len)).isNull();
    assertThat(Wire.type(body)).isEqualTo(FrameType.MESSAGE);
    assertThat(Wire.batchCount(body, len)).isEqualTo(3);
    for (int i = 0, at = 0; i < 3; i++) {
      int n = Wire.batchFrameLength(body, len, i);
      assertThat(java.util.Arrays.copyOfRange(body, at, at + n)).isEqualTo(frames[i]);
      at += n;
    }
    assertThat(Wire.messageId(body)).isEqualTo(99L);
    assertThat(Wire.epoch(body)).isEqualTo(5L);
    int h = Wire.introLength(body);
    assertThat(h).isEqualTo(intro.length);
    int at = Wire.introOffset(body);
    assertThat(java.util.Arrays.copyOfRange(body, at, at + h)).isEqualTo(intro);
    assertThat(Wire.isBatch(Wire.sealed(frames[0], 1L, 1L, intro))).isFalse();
  }

  /** Batches that do not add up: every one is refused whole, with a reason, before any is handled. */
  @Test
  @Timeout(10)
  void batchesThatDoNotAddUpAreRefusedWhole() throws IOException {
    byte[] intro = Wire.intro(hello(UUID.randomUUID().toString(), new byte[0], new byte[0]));
    byte[] good = batchOf(intro, message("a"), message("b"));
    int len = Wire.frameLength(good);
    int table = len; // the first length, then the second, then the count
    int count = len + 8;

    byte[] longer = good.clone();
    longer[table + 3] += 1; // the first frame runs into the second, which runs past the end
    assertThat(Wire.malformed(PROPS, longer, Wire.frameLength(longer))).contains("length");

    byte[] huge = good.clone();
    huge[table] = (byte) 0x7f; // a length of about 2 GiB: refused, nothing allocated for it
    assertThat(Wire.malformed(PROPS, huge, Wire.frameLength(huge))).contains("length");

    byte[] shorter = good.clone();
    shorter[table + 3] -= 1; // the frames leave a byte over
    assertThat(Wire.malformed(PROPS, shorter, Wire.frameLength(shorter))).isNotNull();

    for (int n : new int[] {0, 1, Wire.MAX_BATCH + 1, 0xffff}) {
      byte[] b = good.clone();
      b[count] = (byte) (n >>> 8);
      b[count + 1] = (byte) n;
      assertThat(Wire.frameLength(b)).as("count %d", n).isEqualTo(-1);
      assertThat(Wire.malformed(PROPS, b, Wire.frameLength(b))).as("count %d", n).isNotNull();
    }

    byte[] request = batchOf(intro, message("a"), message("b"));
    request[message("a").length + Wire.B_TYPE] = (byte) FrameType.REQUEST;
    assertThat(Wire.malformed(PROPS, request, len)).contains("REQUEST");

    byte[] version = good.clone();
    version[0] = 9;
    assertThat(Wire.malformed(PROPS, version, len)).contains("protocol version");

    byte[] route = good.clone();
    route[Wire.B_ROUTE_LEN] = 1; // a route of 257 bytes in a frame of 14
    assertThat(Wire.malformed(PROPS, route, len)).contains("route length");
  }

  @Test
  @Timeout(10)
  void theIdOfAMessageSentAgainFromABatchIsItsOwn() {
    java.util.Set<Long> ids = new java.util.HashSet<>();
    for (long batch = 1000; batch < 1100; batch++) {
      for (int i = 0; i < Wire.MAX_BATCH; i++) {
        ids.add(Inbox.partId(batch, i));
      }
      ids.add(batch);
    }
    assertThat(ids).hasSize(100 * (Wire.MAX_BATCH + 1));
  }
}
