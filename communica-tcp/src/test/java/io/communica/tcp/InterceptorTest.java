package io.communica.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.communica.core.CallContext;
import io.communica.core.CallOptions;
import io.communica.core.Handler;
import io.communica.core.RequestException;
import io.communica.core.RequestTimeoutException;
import io.communica.core.RouteClient;
import io.communica.core.RouteServer;
import io.communica.core.Utf8Serializer;
import io.communica.core.intercept.CallInfo;
import io.communica.core.intercept.CallKind;
import io.communica.core.intercept.ClientInterceptor;
import io.communica.core.intercept.Outcome;
import io.communica.core.intercept.ServerInterceptor;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;

/** Client and server interceptors over a real TCP connection see every outcome of a call. */
@Timeout(60)
class InterceptorTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private final BlockingQueue<CallInfo> clientEnds = new LinkedBlockingQueue<>();
  private final BlockingQueue<CallInfo> serverEnds = new LinkedBlockingQueue<>();
  private final CountDownLatch slowStarted = new CountDownLatch(1);
  private RouteServer server;
  private RouteClient client;

  @BeforeEach
  void start() {
    server =
        RouteServer.builder(TcpConnector.of("127.0.0.1", 0))
            .serializer(new Utf8Serializer())
            .interceptor(
                new ServerInterceptor() {
                  @Override
                  public void onStart(CallInfo call) {
                    if (call.metadata().containsKey("deny")) {
                      throw new RequestException("denied by the interceptor", 42);
                    }
                    call.putMetadata("seen-by", "server-interceptor");
                  }

                  @Override
                  public void onEnd(CallInfo call) {
                    serverEnds.add(call);
                  }
                })
            .route("ok", Handler.blocking(String.class, s -> s + "!"))
            .route(
                "meta",
                Handler.nonBlocking(String.class, k -> CallContext.current().metadata(k).orElse("")))
            .route(
                "fail",
                Handler.blocking(
                    String.class,
                    s -> {
                      throw new RequestException("no", 7);
                    }))
            .route(
                "slow",
                Handler.blocking(
                    String.class,
                    s -> {
                      slowStarted.countDown();
                      try {
                        Thread.sleep(20_000);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                      return s;
                    }))
            .route("log", Handler.consumer(String.class, s -> {}))
            .start();
    client =
        RouteClient.builder(server.connector())
            .serializer(new Utf8Serializer())
            .clientId("intercepted")
            .interceptor(
                new ClientInterceptor() {
                  @Override
                  public void onStart(CallInfo call) {
                    assertThat(call.payloadBytes()).isEqualTo(-1);
                    call.putMetadata("added-by", "client-interceptor");
                  }

                  @Override
                  public void onEnd(CallInfo call) {
                    clientEnds.add(call);
                  }
                })
            .build()
            .startAndAwait(WAIT);
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  private static CallInfo next(BlockingQueue<CallInfo> q) throws InterruptedException {
    CallInfo c = q.poll(10, TimeUnit.SECONDS);
    assertThat(c).as("an interceptor's onEnd").isNotNull();
    return c;
  }

  @Test
  void aReplyIsSeenOnBothSidesWithRouteMetadataSizeAndDuration() throws Exception {
    assertThat(client.request("ok", "hi", String.class, CallOptions.metadata("a", "b")).block(WAIT))
        .isEqualTo("hi!");
    CallInfo c = next(clientEnds);
    assertThat(c.kind()).isEqualTo(CallKind.REQUEST);
    assertThat(c.route()).isEqualTo("ok");
    assertThat(c.outcome()).isEqualTo(Outcome.SUCCESS);
    assertThat(c.error()).isNull();
    assertThat(c.metadata()).containsEntry("a", "b").containsEntry("added-by", "client-interceptor");
    assertThat(c.payloadBytes()).isEqualTo(2); // "hi" in UTF-8
    assertThat(c.durationNanos()).isPositive();
    CallInfo s = next(serverEnds);
    assertThat(s.outcome()).isEqualTo(Outcome.SUCCESS);
    assertThat(s.route()).isEqualTo("ok");
    assertThat(s.peerId()).isEqualTo("intercepted");
    assertThat(s.payloadBytes()).isEqualTo(2);
    assertThat(s.metadata()).containsEntry("added-by", "client-interceptor");
    assertThatThrownBy(() -> s.putMetadata("late", "x")).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void metadataAddedByAServerInterceptorReachesTheHandler() {
    assertThat(client.request("meta", "seen-by", String.class).block(WAIT))
        .isEqualTo("server-interceptor");
    assertThat(client.request("meta", "added-by", String.class).block(WAIT))
        .isEqualTo("client-interceptor");
  }

  @Test
  void errorsTimeoutsAndCancelsAreSeenAsSuch() throws Exception {
    assertThatThrownBy(() -> client.request("fail", "x", String.class).block(WAIT))
        .isInstanceOf(RequestException.class);
    CallInfo failed = next(clientEnds);
    assertThat(failed.outcome()).isEqualTo(Outcome.ERROR);
    assertThat(failed.error()).isInstanceOf(RequestException.class);
    assertThat(next(serverEnds).outcome()).isEqualTo(Outcome.ERROR);

    assertThatThrownBy(
            () ->
                client
                    .request("slow", "x", String.class, CallOptions.timeout(Duration.ofMillis(300)))
                    .block(WAIT))
        .isInstanceOf(RequestTimeoutException.class);
    assertThat(next(clientEnds).outcome()).isEqualTo(Outcome.TIMEOUT);
    // the requester's CANCEL after its timeout reaches the server
    assertThat(next(serverEnds).outcome()).isEqualTo(Outcome.CANCELLED);
  }

  @Test
  void aCancelledCallIsSeenCancelledOnBothSides() throws Exception {
    Disposable d = client.request("slow", "x", String.class).subscribe();
    assertThat(slowStarted.await(10, TimeUnit.SECONDS)).isTrue();
    d.dispose();
    assertThat(next(clientEnds).outcome()).isEqualTo(Outcome.CANCELLED);
    assertThat(next(serverEnds).outcome()).isEqualTo(Outcome.CANCELLED);
  }

  @Test
  void aServerInterceptorRefusesACallAndTheConnectionStays() throws Exception {
    assertThatThrownBy(
            () -> client.request("ok", "x", String.class, CallOptions.metadata("deny", "1")).block(WAIT))
        .isInstanceOfSatisfying(
            RequestException.class, e -> assertThat(e.code()).isEqualTo(42))
        .hasMessageContaining("denied by the interceptor");
    assertThat(next(clientEnds).outcome()).isEqualTo(Outcome.ERROR);
    assertThat(next(serverEnds).outcome()).isEqualTo(Outcome.ERROR);
    assertThat(client.request("ok", "x", String.class).block(WAIT)).isEqualTo("x!");
  }

  @Test
  void aClientInterceptorFailsACallBeforeItIsSent() throws Exception {
    try (RouteClient refusing =
        RouteClient.builder(server.connector())
            .interceptor(
                new ClientInterceptor() {
                  @Override
                  public void onStart(CallInfo call) {
                    throw new IllegalStateException("not now");
                  }

                  @Override
                  public void onEnd(CallInfo call) {
                    clientEnds.add(call);
                  }
                })
            .build()
            .startAndAwait(WAIT)) {
      assertThatThrownBy(() -> refusing.request("ok", "x", String.class).block(WAIT))
          .hasMessage("not now");
      assertThat(next(clientEnds).outcome()).isEqualTo(Outcome.ERROR);
      assertThat(serverEnds.poll(300, TimeUnit.MILLISECONDS)).isNull();
    }
  }

  @Test
  void fireAndForgetAndUnknownRoutesAreSeen() throws Exception {
    client.fireAndForget("log", "line").block(WAIT);
    CallInfo c = next(clientEnds);
    assertThat(c.kind()).isEqualTo(CallKind.FIRE_AND_FORGET);
    assertThat(c.outcome()).isEqualTo(Outcome.SUCCESS);
    CallInfo s = next(serverEnds);
    assertThat(s.kind()).isEqualTo(CallKind.FIRE_AND_FORGET);
    assertThat(s.route()).isEqualTo("log");
    assertThat(s.outcome()).isEqualTo(Outcome.SUCCESS);

    assertThatThrownBy(() -> client.request("nowhere", "x", String.class).block(WAIT))
        .isInstanceOf(RequestException.class);
    assertThat(next(clientEnds).outcome()).isEqualTo(Outcome.ERROR);
    CallInfo unknown = next(serverEnds);
    assertThat(unknown.route()).isEqualTo("nowhere");
    assertThat(unknown.outcome()).isEqualTo(Outcome.ERROR);
  }
}
