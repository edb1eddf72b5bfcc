package io.communica.udp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.communica.core.CallOptions;
import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.MessageTooLargeException;
import io.communica.core.RequestException;
import io.communica.core.RequestTimeoutException;
import io.communica.core.RouteClient;
import io.communica.core.RouteServer;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.core.Utf8Serializer;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.communica.serializers.FixedLayoutSerializer;
import io.communica.test.ConcurrentCallers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** What the UDP transport promises, and what it does instead of what the contract asks. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UdpConnectorTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  private final List<AutoCloseable> open = new ArrayList<>();

  private <T extends AutoCloseable> T add(T c) {
    open.add(c);
    return c;
  }

  @AfterEach
  void closeAll() throws Exception {
    Collections.reverse(open);
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private static UdpConnector local() {
    return UdpConnector.of("127.0.0.1", 0);
  }

  private SimpleServer server(Connector c, Handler h) {
    return add(SimpleServer.builder(c).handler(h).start());
  }

  private SimpleClient client(Connector c) {
    return add(SimpleClient.builder(c).start());
  }

  @Test
  void dumpsAndLoadsAndRejectsBadStrings() {
    UdpConnector c = UdpConnector.of("127.0.0.1", 9999).maxDatagramSize(8192);
    assertThat(c.dump()).isEqualTo("udp://127.0.0.1:9999?max-datagram=8192");
    assertThat(Connector.load(c.dump())).isEqualTo(c);
    assertThat(Connector.load("udp://[::1]:7").dump()).isEqualTo("udp://[::1]:7");
    assertThatThrownBy(() -> Connector.load("udp://host")).hasMessageContaining("udp://host:port");
    assertThatThrownBy(() -> Connector.load("udp://h:1?max-datagram=70000"))
        .hasMessageContaining("64 to 65507");
    assertThatThrownBy(() -> UdpConnector.of("h", 1).maxDatagramSize(UdpConnector.MAX_DATAGRAM + 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void requestsFromManyThreadsAtOnceAreEachAnsweredWithTheirOwnReply() throws Exception {
    // a request runs on its caller's thread when nobody else is the connection's loop, else on
    // the event loop, which also reads the replies: eight threads contend for it
    SimpleServer server = server(local(), Handler.nonBlocking(String.class, s -> "ok:" + s));
    SimpleClient client = client(server.connector());
    ConcurrentCallers.assertEachGetsItsOwnReply(client, m -> "ok:" + m, 8, 200, TIMEOUT);
  }

  @Test
  void withoutAServerRequestsTimeOutAndMessagesAreSent() {
    SimpleServer gone = server(local(), Handler.nonBlocking(String.class, s -> s));
    Connector address = gone.connector();
    gone.close();
    SimpleClient client = client(address);
    client.connected().block(TIMEOUT); // at once: nothing to connect to
    StepVerifier.create(client.request("x", String.class, Duration.ofMillis(300)))
        .expectError(RequestTimeoutException.class)
        .verify(TIMEOUT);
    UdpCounters before = UdpConnector.counters();
    StepVerifier.create(client.fireAndForget("into the void")).verifyComplete();
    assertThat(UdpConnector.counters().minus(before).sent()).isEqualTo(1);
  }

  @Test
  void aMessageOverTheDatagramLimitFailsOnTheSender() {
    RouteServer server =
        add(
            RouteServer.builder(local())
                .serializer(new Utf8Serializer())
                .route("r", Handler.nonBlocking(String.class, x -> String.valueOf(x.length())))
                .start());
    RouteClient client =
        add(RouteClient.builder(server.connector()).serializer(new Utf8Serializer()).start());
    // a string is its UTF-8 bytes: the frame is the header, route "r" and the string
    int fits = UdpConnector.DEFAULT_MAX_DATAGRAM - FrameHeader.SIZE - 1;
    assertThat(client.request("r", "x".repeat(fits), String.class).block(TIMEOUT)).isEqualTo(String.valueOf(fits));
    UdpCounters before = UdpConnector.counters();
    assertThatThrownBy(() -> client.request("r", "x".repeat(fits + 1), String.class).block(TIMEOUT))
        .isInstanceOf(MessageTooLargeException.class)
        .hasMessageContaining("exceeds the datagram limit of 1472 bytes");
    assertThatThrownBy(() -> client.fireAndForget("r", "x".repeat(fits + 1)).block(TIMEOUT))
        .isInstanceOf(MessageTooLargeException.class)
        .hasMessageContaining("1472");
    assertThatThrownBy(() -> client.request("r", "x".repeat(5000), String.class).block(TIMEOUT))
        .isInstanceOf(MessageTooLargeException.class);
    assertThat(UdpConnector.counters().minus(before).tooLarge()).isEqualTo(2);
    assertThat(client.request("r", "still fine", String.class).block(TIMEOUT)).isEqualTo("10");
  }

  @Test
  void aLargerLimitCarriesLargerMessagesAndRepliesOverItFailTheRequest() {
    UdpConnector big = local().maxDatagramSize(UdpConnector.MAX_DATAGRAM);
    SimpleServer server = server(big, Handler.nonBlocking(String.class, s -> s.equals("grow") ? "g".repeat(70_000) : s));
    SimpleClient client = client(server.connector());
    String large = "y".repeat(60_000);
    assertThat(client.request(large, String.class).block(TIMEOUT)).isEqualTo(large);
    assertThatThrownBy(() -> client.request("grow", String.class).block(TIMEOUT))
        .isInstanceOf(MessageTooLargeException.class);
  }

  @Test
  void serverCallsToClientsFailAtOnceSayingWhy() {
    SimpleServer server =
        add(
            SimpleServer.builder(local())
                .requestTimeout(Duration.ofMinutes(5))
                .handler(Handler.nonBlocking(String.class, s -> s))
                .start());
    SimpleClient client =
        add(SimpleClient.builder(server.connector()).handler(Handler.nonBlocking(String.class, s -> s)).start());
    assertThat(client.request("hi", String.class).block(TIMEOUT)).isEqualTo("hi");
    assertThat(server.clientIds()).hasSize(1).allMatch(id -> id.startsWith("udp:127.0.0.1:"));
    String id = server.clientIds().iterator().next();
    StepVerifier.create(server.requestClient(id, "x", String.class))
        .expectErrorSatisfies(
            e -> assertThat(e).isInstanceOf(RequestException.class)
                .hasMessageContaining("a server cannot call its clients over udp://"))
        .verify(TIMEOUT);
    StepVerifier.create(server.fireAndForgetClient(id, "x"))
        .expectError(RequestException.class)
        .verify(TIMEOUT);
    StepVerifier.create(server.request("any", String.class, CallOptions.DEFAULT.withFailFast(true)))
        .expectError(RequestException.class)
        .verify(TIMEOUT);
  }

  /** Streams need credits and order that datagrams do not give: refused at once, nothing sent. */
  @Test
  void streamsAreRefusedAtOnceSayingWhy() {
    SimpleServer server = server(local(), Handler.nonBlocking(String.class, s -> "ok:" + s));
    SimpleClient client = client(server.connector());
    assertThat(client.request("hi", String.class).block(TIMEOUT)).isEqualTo("ok:hi");
    StepVerifier.create(client.requestStream("x", String.class))
        .expectErrorSatisfies(
            e -> assertThat(e).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("does not support streams"))
        .verify(TIMEOUT);
  }

  /** An interface method returning {@code Flux} over UDP. */
  public interface Ticks {
    Flux<String> ticks(String prefix);
  }

  @Test
  void aProxysFluxMethodFailsAsRequestStreamFails() {
    RouteServer server =
        add(
            RouteServer.builder(local())
                .serializer(new Utf8Serializer())
                .expose(Ticks.class, prefix -> Flux.just(prefix + 1, prefix + 2))
                .start());
    RouteClient client =
        add(RouteClient.builder(server.connector()).serializer(new Utf8Serializer()).start());
    StepVerifier.create(client.proxy(Ticks.class).ticks("t"))
        .expectErrorSatisfies(
            e -> assertThat(e).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("does not support streams"))
        .verify(TIMEOUT);
  }

  /** Garbage from a raw socket, interleaved with good requests: dropped, counted, harmless. */
  @Test
  void garbageDatagramsAreCountedAndDroppedWhileGoodOnesFlow() throws Exception {
    SimpleServer server = server(local(), Handler.nonBlocking(String.class, s -> "ok:" + s));
    UdpConnector address = (UdpConnector) server.connector();
    SimpleClient client = client(address);
    List<byte[]> garbage = new ArrayList<>();
    garbage.add(new byte[0]);
    garbage.add(new byte[] {1, 2, 3});
    garbage.add("GET / HTTP/1.1\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    garbage.add(frame(1, FrameType.REQUEST, 0, 0)); // protocol version 1
    garbage.add(frame(FrameHeader.VERSION, FrameType.RESPONSE, 0, 0)); // a reply, to a server
    garbage.add(frame(FrameHeader.VERSION, FrameType.HELLO, 0, 0)); // no handshakes over UDP
    garbage.add(frame(FrameHeader.VERSION, FrameType.REQUEST, FrameHeader.FLAG_FOLLOWS, 0)); // a fragment
    garbage.add(frame(FrameHeader.VERSION, FrameType.REQUEST, 0, 900)); // route past the end
    garbage.add(new byte[UdpConnector.DEFAULT_MAX_DATAGRAM + 100]); // over the limit
    java.util.Random random = new java.util.Random(17);
    for (int i = 0; i < 20; i++) {
      byte[] b = new byte[1 + random.nextInt(600)];
      random.nextBytes(b);
      b[0] = (byte) 0x7f; // never a protocol version
      garbage.add(b);
    }
    UdpCounters before = UdpConnector.counters();
    try (DatagramSocket raw = new DatagramSocket()) {
      InetAddress to = InetAddress.getByName(address.host());
      for (int round = 0; round < garbage.size(); round++) {
        byte[] g = garbage.get(round);
        raw.send(new DatagramPacket(g, g.length, to, address.port()));
        assertThat(client.request("r" + round, String.class).block(TIMEOUT)).isEqualTo("ok:r" + round);
      }
    }
    UdpCounters delta = UdpConnector.counters().minus(before);
    System.out.println("garbage test: " + delta);
    assertThat(delta.dropped()).isEqualTo(garbage.size());
    assertThat(server.clientIds()).hasSize(1); // no garbage became a client
  }

  /**
   * A flood of messages towards a receiver whose handler is slow: the socket buffer overflows, and
   * what was lost shows in the counts. No hang, no crash; the receiver answers afterwards.
   */
  @Test
  void aFloodLosesDatagramsWithoutHangOrCrashAndReportsTheCounts() {
    AtomicInteger handled = new AtomicInteger();
    SimpleServer server =
        server(
            local(),
            Handler.nonBlocking(
                String.class,
                s -> {
                  if (s.equals("count")) {
                    return String.valueOf(handled.get());
                  }
                  handled.incrementAndGet();
                  for (long spin = System.nanoTime(); System.nanoTime() - spin < 20_000; ) {
                    Thread.onSpinWait(); // 20 µs of work per message
                  }
                  return null;
                }));
    SimpleClient client = client(server.connector());
    UdpCounters before = UdpConnector.counters();
    int total = 5_000;
    String payload = "m".repeat(64);
    long t0 = System.nanoTime();
    Flux.range(0, total).flatMap(i -> client.fireAndForget(payload), 1024).blockLast(TIMEOUT);
    double seconds = (System.nanoTime() - t0) / 1e9;
    // the receiver reads datagrams in the order they arrived: once "count" is answered, every
    // message before it that was not dropped has been handled
    String counted =
        client.request("count", String.class, Duration.ofMillis(500)).retry(20).block(TIMEOUT);
    UdpCounters delta = UdpConnector.counters().minus(before);
    int received = Integer.parseInt(counted);
    System.out.printf(
        "flood: %d messages of 64 B sent in %.2f s (%.0f/s); sender counted %d datagrams, receiver"
            + " handled %d (%.1f%% lost in the socket buffer), %d datagrams received in all%n",
        total, seconds, total / seconds, delta.sent(), received,
        100.0 * (total - received) / total, delta.received());
    assertThat(delta.sent()).isGreaterThanOrEqualTo(total);
    assertThat(received).isPositive().isLessThanOrEqualTo(total);
    assertThat(client.request("count", String.class, Duration.ofMillis(500)).retry(20).block(TIMEOUT))
        .isEqualTo(counted);
  }

  record Reading(long micros, int sensor, double value) {}

  record Alarm(int sensor, boolean on) {}

  /** ipcpy-style: typed fixed-layout records, telemetry from a sender to a receiver. */
  @Test
  void telemetryRecordsWithTheFixedLayoutSerializer() throws Exception {
    FixedLayoutSerializer telemetry =
        FixedLayoutSerializer.builder().register(1, Reading.class).register(2, Alarm.class).build();
    BlockingQueue<Object> got = new LinkedBlockingQueue<>();
    SimpleServer receiver =
        add(
            SimpleServer.builder(local())
                .serializer(telemetry)
                .handler(Handler.consumer(Record.class, got::add))
                .start());
    SimpleClient sender = add(SimpleClient.builder(receiver.connector()).serializer(telemetry).start());
    sender.fireAndForget(new Reading(1_000, 7, 21.5)).block(TIMEOUT);
    sender.fireAndForget(new Alarm(7, true)).block(TIMEOUT);
    assertThat(List.of(got.poll(15, TimeUnit.SECONDS), got.poll(15, TimeUnit.SECONDS)))
        .containsExactlyInAnyOrder(new Reading(1_000, 7, 21.5), new Alarm(7, true));
  }

  private static byte[] frame(int version, int type, int flags, int routeLength) {
    ByteBuf b = Unpooled.buffer();
    FrameHeader.write(b, type, flags, 1, 1, 0, routeLength);
    b.setByte(0, version);
    b.writeBytes(new byte[8]);
    byte[] out = new byte[b.readableBytes()];
    b.readBytes(out);
    b.release();
    return out;
  }

}
