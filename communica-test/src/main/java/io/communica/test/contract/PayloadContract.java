package io.communica.test.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.HandlerFailedException;
import io.communica.core.Payload;
import io.communica.core.RequestTimeoutException;
import io.communica.core.SerializationException;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.test.TrackedConnector;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

/**
 * {@link Payload}s, as every transport must carry them: bytes unchanged both ways, small (copied
 * into the write batch) and large (written from their buffer, fragmented past the frame size); the
 * ownership rules (what the receiver closes, what communica closes when it sends, on errors and
 * cancellation); held payloads counted against the memory budget. The leak tracking of {@link
 * ConnectorContract} fails a test whose received payloads were not all released. Part of {@link
 * ConnectorContract}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public interface PayloadContract {

  Duration PAYLOAD_WAIT = Duration.ofSeconds(15);

  TrackedConnector newAddress();

  SimpleServer.Builder simpleServer(Connector address);

  SimpleClient.Builder simpleClient(Connector address);

  SimpleServer start(SimpleServer.Builder b);

  SimpleClient start(SimpleClient.Builder b);

  /**
   * The largest payload the transport carries in one message, for the sizes these tests send;
   * a transport with a small message limit (datagrams) overrides it.
   */
  default int largestPayload() {
    return 4096;
  }

  private SimpleClient payloadClient(SimpleServer server) {
    return start(simpleClient(server.connector()));
  }

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 31 + 7);
    }
    return b;
  }

  /** The received buffer is echoed as it is; the client reads and closes the reply. */
  @Test
  default void payloadsCrossBothWaysUnchanged() {
    SimpleServer server =
        start(simpleServer(newAddress()).handler(Handler.nonBlocking(Payload.class, p -> p)));
    SimpleClient client = payloadClient(server);
    // small (copied into the batch) and above the copy threshold (written from its buffer)
    for (int n : new int[] {0, 1, 100, 1024, 1025, largestPayload()}) {
      echoes(client, n);
    }
  }

  /** A payload larger than a frame is fragmented and reassembled like any message. */
  @Test
  default void largePayloadsAreFragmentedAndReassembled() {
    SimpleServer server =
        start(simpleServer(newAddress()).handler(Handler.nonBlocking(Payload.class, p -> p)));
    echoes(payloadClient(server), 300 * 1024);
  }

  /** {@code n} bytes requested as a payload come back unchanged, and as a byte array too. */
  private static void echoes(SimpleClient client, int n) {
    byte[] data = bytes(n);
    ByteBuf sent = PooledByteBufAllocator.DEFAULT.directBuffer(n);
    sent.writeBytes(data);
    try (Payload reply =
        client.request(Payload.wrap(sent), Payload.class).block(PAYLOAD_WAIT)) {
      assertThat(reply).isNotNull();
      assertThat(reply.size()).isEqualTo(n);
      assertThat(reply.toByteArray()).as("%s bytes", n).isEqualTo(data);
      assertThat(ByteBufUtil.getBytes(reply.content())).isEqualTo(data);
      assertThat(reply.asByteBuffer().isReadOnly()).isTrue();
    }
    // communica released the buffer it sent, once the transport wrote it (a transport that
    // writes on a thread of its own may do so after the reply arrived): no signal to await
    long deadline = System.nanoTime() + PAYLOAD_WAIT.toNanos();
    while (sent.refCnt() != 0 && System.nanoTime() - deadline < 0) {
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
    }
    assertThat(sent.refCnt()).as("refCnt of the %s bytes sent", n).isZero();
    // byte[] on one side, Payload on the other
    assertThat(client.request(data, byte[].class).block(PAYLOAD_WAIT)).isEqualTo(data);
  }

  /** A handler reads a payload with the entity's serializer, straight from the buffer. */
  @Test
  default void payloadsAreReadWithASerializer() {
    SimpleServer server =
        start(
            simpleServer(newAddress())
                .handler(
                    Handler.nonBlocking(
                        Payload.class,
                        p -> {
                          try (p) {
                            return ContractSerializer.INSTANCE.decode(p.content(), String.class)
                                + "!";
                          }
                        })));
    assertThat(payloadClient(server).request("hello", String.class).block(PAYLOAD_WAIT))
        .isEqualTo("hello!");
  }

  /**
   * Received payloads stay readable until the handler closes them, long after the handler returned;
   * closing is idempotent. (That they count against the memory budget while open is checked in
   * communica-core's {@code PayloadsTest}: the budget is internal to core.)
   */
  @Test
  default void heldPayloadsStayReadableUntilClosed() throws Exception {
    BlockingQueue<Payload> held = new LinkedBlockingQueue<>();
    SimpleServer server =
        start(
            simpleServer(newAddress())
                .handler(
                    Handler.nonBlocking(
                        Payload.class,
                        p -> {
                          held.add(p);
                          return null;
                        })));
    SimpleClient client = payloadClient(server);
    List<Payload> got = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      client.request(bytes(1000), Void.class).block(PAYLOAD_WAIT);
      got.add(held.poll(PAYLOAD_WAIT.toSeconds(), TimeUnit.SECONDS));
    }
    assertThat(got).doesNotContainNull();
    for (Payload p : got) {
      assertThat(p.isOpen()).isTrue();
      assertThat(p.toByteArray()).isEqualTo(bytes(1000));
    }
    got.forEach(Payload::close);
    got.forEach(Payload::close); // once only
    assertThat(got).noneMatch(Payload::isOpen);
  }

  /** A handler that throws has its payload closed for it; the requester gets the error. */
  @Test
  default void theHandlersPayloadIsClosedWhenItThrows() {
    AtomicReference<Payload> seen = new AtomicReference<>();
    SimpleServer server =
        start(
            simpleServer(newAddress())
                .handler(
                    Handler.nonBlocking(
                        Payload.class,
                        p -> {
                          seen.set(p);
                          throw new IllegalStateException("no");
                        })));
    assertThatThrownBy(
            () -> payloadClient(server).request(bytes(1000), String.class).block(PAYLOAD_WAIT))
        .isInstanceOf(HandlerFailedException.class);
    assertThat(seen.get()).isNotNull();
    assertThat(seen.get().isOpen()).isFalse();
  }

  /**
   * A reply that comes after the requester gave up (the call cancelled on the responder), and the
   * payloads of messages whose handler returns them, are released by communica.
   */
  @Test
  default void payloadsNobodyTakesAreReleased() throws Exception {
    CountDownLatch timedOut = new CountDownLatch(1);
    CountDownLatch returned = new CountDownLatch(1);
    CountDownLatch messages = new CountDownLatch(3);
    SimpleServer server =
        start(
            simpleServer(newAddress())
                .handler(
                    Handler.blocking(
                        Payload.class,
                        p -> {
                          if (p.size() == 3) {
                            messages.countDown();
                            return p; // a message's reply: nobody wants it
                          }
                          try {
                            timedOut.await(PAYLOAD_WAIT.toSeconds(), TimeUnit.SECONDS);
                          } catch (InterruptedException e) {
                            Thread.currentThread().interrupt(); // the cancel: answer anyway
                          }
                          returned.countDown();
                          return p;
                        })));
    SimpleClient client = payloadClient(server);
    assertThatThrownBy(
            () ->
                client
                    .request(bytes(largestPayload()), Payload.class, Duration.ofMillis(200))
                    .block(PAYLOAD_WAIT))
        .isInstanceOf(RequestTimeoutException.class);
    timedOut.countDown();
    assertThat(returned.await(PAYLOAD_WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    for (int i = 0; i < 3; i++) {
      client.fireAndForget(bytes(3)).block(PAYLOAD_WAIT);
    }
    assertThat(messages.await(PAYLOAD_WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    // the leak tracking checks the buffers when the test's resources close
  }

  /** A Mono carrying a payload sends it once; a second subscription fails without sending. */
  @Test
  default void aPayloadIsSentOnce() throws Exception {
    BlockingQueue<Integer> sizes = new LinkedBlockingQueue<>();
    SimpleServer server =
        start(
            simpleServer(newAddress())
                .handler(
                    Handler.consumer(
                        Payload.class,
                        p -> {
                          sizes.add(p.size());
                          p.close();
                        })));
    SimpleClient client = payloadClient(server);
    Payload p = Payload.wrap(bytes(50));
    Mono<Void> message = client.fireAndForget(p);
    message.block(PAYLOAD_WAIT);
    assertThat(p.isOpen()).isFalse();
    assertThatThrownBy(() -> message.block(PAYLOAD_WAIT))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("subscribed once");
    assertThat(sizes.poll(PAYLOAD_WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(50);
    assertThatThrownBy(p::content).isInstanceOf(IllegalStateException.class);
  }
}
