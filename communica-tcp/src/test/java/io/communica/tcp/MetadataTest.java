package io.communica.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.communica.core.CallContext;
import io.communica.core.CallOptions;
import io.communica.core.Handler;
import io.communica.core.RequestException;
import io.communica.core.RouteClient;
import io.communica.core.RouteServer;
import io.communica.core.SimpleClient;
import io.communica.core.Utf8Serializer;
import io.communica.core.frame.ErrorKind;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.communica.core.intercept.CallInfo;
import io.communica.core.intercept.ClientInterceptor;
import io.communica.core.intercept.TraceContextInterceptor;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

/** Request metadata over real TCP connections: handlers read it, both sides enforce the limit. */
@Timeout(60)
class MetadataTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private final CompletableFuture<String> fired = new CompletableFuture<>();
  private RouteServer server;

  @BeforeEach
  void start() {
    server =
        RouteServer.builder(TcpConnector.of("127.0.0.1", 0))
            .serializer(new Utf8Serializer())
            .route("blocking", Handler.blocking(String.class, k -> value(CallContext.current(), k)))
            .route(
                "nonBlocking", Handler.nonBlocking(String.class, k -> value(CallContext.current(), k)))
            .route(
                "reactive",
                Handler.reactive(
                    String.class,
                    k -> Mono.deferContextual(ctx -> Mono.just(value(CallContext.from(ctx), k)))))
            .route(
                "size",
                Handler.blocking(
                    String.class,
                    s -> s.length() + ":" + CallContext.current().metadata("m").orElse("")))
            .route(
                "log",
                Handler.consumer(String.class, k -> fired.complete(value(CallContext.current(), k))))
            .start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static String value(CallContext call, String key) {
    return call.route() + ":" + call.metadata(key).orElse("<none>");
  }

  private RouteClient client(ClientInterceptor... interceptors) {
    RouteClient.Builder b =
        RouteClient.builder(server.connector()).serializer(new Utf8Serializer()).clientId("meta-client");
    for (ClientInterceptor i : interceptors) {
      b.interceptor(i);
    }
    return b.build().startAndAwait(WAIT);
  }

  @Test
  void everyKindOfHandlerReadsTheMetadataOfItsCall() {
    try (RouteClient client = client()) {
      CallOptions options = CallOptions.metadata("tenant", "acme").withMetadata("ü-key", "välue");
      for (String route : new String[] {"blocking", "nonBlocking", "reactive"}) {
        assertThat(client.request(route, "tenant", String.class, options).block(WAIT))
            .isEqualTo(route + ":acme");
        assertThat(client.request(route, "ü-key", String.class, options).block(WAIT))
            .isEqualTo(route + ":välue");
        // no metadata: the handler sees none, and the last call's does not linger
        assertThat(client.request(route, "tenant", String.class).block(WAIT))
            .isEqualTo(route + ":<none>");
      }
      client.fireAndForget("log", "tenant", options).block(WAIT);
      assertThat(fired.orTimeout(10, TimeUnit.SECONDS).join()).isEqualTo("log:acme");
      assertThat(CallContext.current()).isSameAs(CallContext.NONE);
    }
  }

  @Test
  void metadataTravelsWithAFragmentedMessage() {
    try (RouteClient client = client()) {
      // 7 KiB of metadata and a 300 KiB payload, in 64 KiB frames
      String meta = "m".repeat(7 * 1024);
      String payload = "p".repeat(300 * 1024);
      assertThat(
              client
                  .request("size", payload, String.class, CallOptions.metadata("m", meta))
                  .block(WAIT))
          .isEqualTo(payload.length() + ":" + meta);
    }
  }

  @Test
  void theSenderRefusesMetadataOver8KiBBeforeSending() {
    String big = "x".repeat(FrameHeader.MAX_METADATA_BYTES);
    assertThatThrownBy(() -> CallOptions.metadata("k", big))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exceeds the limit of 8192 bytes");
    // exactly at the limit is fine: 4 bytes of lengths + key + value
    String fits = "x".repeat(FrameHeader.MAX_METADATA_BYTES - 5);
    try (RouteClient client =
        client(
            new ClientInterceptor() {
              @Override
              public void onStart(CallInfo call) {
                if (call.metadata().containsKey("grow")) {
                  call.putMetadata("more", big);
                }
              }
            })) {
      assertThat(
              client
                  .request("blocking", "k", String.class, CallOptions.metadata("k", fits))
                  .block(WAIT))
          .isEqualTo("blocking:" + fits);
      // an interceptor that makes it too large fails the call before anything is sent
      assertThatThrownBy(
              () ->
                  client
                      .request("blocking", "k", String.class, CallOptions.metadata("grow", "1"))
                      .block(WAIT))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("exceeds the limit");
      assertThat(client.request("blocking", "k", String.class).block(WAIT))
          .isEqualTo("blocking:<none>");
    }
  }

  @Test
  void theReceiverRefusesMetadataOver8KiBAndKeepsTheConnection() throws IOException {
    int port = Integer.parseInt(server.connector().dump().replaceAll(".*:(\\d+).*", "$1"));
    try (RawPeer peer = new RawPeer(port)) {
      peer.handshake("raw-meta");
      int size = FrameHeader.MAX_METADATA_BYTES + 100;
      ByteArrayOutputStream section = new ByteArrayOutputStream();
      DataOutputStream d = new DataOutputStream(section);
      d.writeShort(size);
      d.writeShort(1);
      d.write('k');
      d.writeShort(size - 5);
      d.write(new byte[size - 5]);
      d.write('k');
      peer.send(request(7, "blocking", FrameHeader.FLAG_METADATA, section.toByteArray()));
      RawPeer.Received error = peer.read();
      assertThat(error.type()).isEqualTo(FrameType.ERROR);
      assertThat(error.error()).isEqualTo(ErrorKind.REQUEST);
      assertThat(ByteBuffer.wrap(error.payload()).getInt()).isEqualTo(RequestException.METADATA_TOO_LARGE);
      assertThat(error.text()).contains("metadata of 8292 bytes exceeds the limit of 8192 bytes");
      // the connection lives: a request without metadata is answered
      peer.send(request(8, "blocking", 0, "k".getBytes(StandardCharsets.UTF_8)));
      RawPeer.Received reply = peer.read();
      assertThat(reply.type()).isEqualTo(FrameType.RESPONSE);
      assertThat(reply.text()).isEqualTo("blocking:<none>");
    }
  }

  /** A REQUEST frame in the utf8 serializer's content type. */
  private static byte[] request(int id, String route, int flags, byte[] payload) {
    byte[] r = route.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(4 + FrameHeader.SIZE + r.length + payload.length);
    b.putInt(FrameHeader.SIZE + r.length + payload.length);
    b.put((byte) FrameHeader.VERSION).put((byte) FrameType.REQUEST).put((byte) flags).put((byte) 1);
    b.putInt(id).putShort((short) 0).putShort((short) r.length).put(r).put(payload);
    return b.array();
  }

  @Test
  void aPeerWithoutTheCapabilityGetsNoMetadataAndTheCallSaysWhy() throws Exception {
    try (ServerSocket listener = new ServerSocket(0);
        SimpleClient client =
            SimpleClient.builder(TcpConnector.of("127.0.0.1", listener.getLocalPort())).build()) {
      client.start();
      try (RawPeer peer = new RawPeer(listener.accept())) {
        assertThat(peer.read().type()).isEqualTo(FrameType.HELLO);
        // a WELCOME with capability bits 0
        ByteBuffer welcome =
            ByteBuffer.allocate(16).putInt(1 << 24).putInt(1 << 16).putInt(10_000).putInt(0);
        peer.send(RawPeer.frame(FrameHeader.VERSION, FrameType.WELCOME, 0, 0, welcome.array()));
        client.connected().block(WAIT);
        assertThatThrownBy(
                () -> client.request("x", String.class, CallOptions.metadata("k", "v")).block(WAIT))
            .isInstanceOf(UnsupportedOperationException.class)
            .hasMessageContaining("does not support request-metadata");
      }
    }
  }

  private static String incomingTraceparent() {
    return TraceContextInterceptor.traceparent(CallContext.current().metadata()).orElse("");
  }

  @Test
  void aTraceContextCrossesTwoConnections() {
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    String incoming = "00-" + traceId + "-00f067aa0ba902b7-01";
    CompletableFuture<String> atB = new CompletableFuture<>();
    CompletableFuture<String> atC = new CompletableFuture<>();
    try (RouteServer c =
            RouteServer.builder(TcpConnector.of("127.0.0.1", 0))
                .route(
                    "c",
                    Handler.blocking(
                        String.class,
                        x -> {
                          atC.complete(incomingTraceparent());
                          return "from c";
                        }))
                .start();
        RouteClient toC =
            RouteClient.builder(c.connector())
                .interceptor(new TraceContextInterceptor())
                .build()
                .startAndAwait(WAIT);
        RouteServer b =
            RouteServer.builder(TcpConnector.of("127.0.0.1", 0))
                .route(
                    "b",
                    Handler.blocking(
                        String.class,
                        x -> {
                          atB.complete(incomingTraceparent());
                          return toC.request("c", x, String.class).block(WAIT);
                        }))
                .start();
        RouteClient a =
            RouteClient.builder(b.connector())
                .interceptor(new TraceContextInterceptor(() -> incoming))
                .build()
                .startAndAwait(WAIT)) {
      assertThat(a.request("b", "hi", String.class).block(WAIT)).isEqualTo("from c");
      assertThat(atB.join()).isEqualTo(incoming);
      String atCValue = atC.join();
      assertThat(TraceContextInterceptor.isValid(atCValue)).isTrue();
      assertThat(TraceContextInterceptor.traceId(atCValue)).isEqualTo(traceId);
      assertThat(TraceContextInterceptor.parentId(atCValue)).isNotEqualTo("00f067aa0ba902b7");
      assertThat(atCValue).endsWith("-01");
    }
  }
}
