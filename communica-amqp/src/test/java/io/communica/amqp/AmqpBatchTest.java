package io.communica.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.communica.core.Handler;
import io.communica.core.OverloadedException;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.test.contract.ConnectorContract.Resources;
import io.communica.test.contract.ContractSerializer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Fire-and-forget messages sent faster than the broker confirms them travel several to one AMQP
 * message (a batch), on the real broker: each is handled once, a failing one is handled again
 * alone without the others, and a refusal reaches every sender in the batch.
 */
@RequiresBroker
@Timeout(60)
class AmqpBatchTest {

  private static final int BURST = 2000;

  private final Resources resources = new Resources();

  @AfterEach
  void closeAll() throws Exception {
    resources.closeAll();
  }

  private SimpleClient client(AmqpConnector address) {
    SimpleClient c = resources.add(SimpleClient.builder(address).start());
    c.connected().block(Broker.timeout());
    return c;
  }

  /** Sends {@code texts} at once, without waiting for one before the next; all complete. */
  private static void sendAtOnce(SimpleClient client, List<String> texts) {
    Flux.fromIterable(texts)
        .flatMap(client::fireAndForget, texts.size())
        .then()
        .block(Broker.timeout());
  }

  /** Counts one more call for {@code key}; returns how many there were. */
  private static <K> int count(Map<K, AtomicInteger> calls, K key) {
    return calls.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
  }

  private static List<String> texts(String prefix, int n) {
    return java.util.stream.IntStream.range(0, n).mapToObj(i -> prefix + i).toList();
  }

  @Test
  void aBurstTravelsInBatchesAndEachMessageIsHandledOnce() throws Exception {
    AmqpConnector address = Broker.connector("batch");
    Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
    CountDownLatch all = new CountDownLatch(BURST);
    resources.add(
        SimpleServer.builder(address)
            .handler(
                Handler.consumer(
                    String.class,
                    s -> {
                      count(handled, s);
                      all.countDown();
                    }))
            .start());
    SimpleClient client = client(address);
    long batchesBefore = AmqpCounters.batchesTaken();

    sendAtOnce(client, texts("m", BURST));

    assertThat(all.await(30, TimeUnit.SECONDS)).isTrue();
    // sent faster than the broker confirms: some went in batches
    assertThat(AmqpCounters.batchesTaken()).isGreaterThan(batchesBefore);
    assertThat(handled).hasSize(BURST).allSatisfy((s, n) -> assertThat(n.get()).as(s).isEqualTo(1));
  }

  @Test
  void aMessageOfABatchWhoseHandlerFailsIsHandledAgainAloneAndTheOthersOnce() throws Exception {
    AmqpConnector address = Broker.connector("batchfail");
    Naming names = new Naming(address);
    Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    CountDownLatch done = new CountDownLatch(BURST); // every message handled once without failing
    resources.add(
        SimpleServer.builder(address)
            .handler(
                Handler.consumer(
                    String.class,
                    s -> {
                      int n = count(calls, s);
                      if (s.equals("m7") || s.equals("m1500")) {
                        if (n == 1) {
                          throw new IllegalStateException("fails the first time");
                        }
                      } else if (s.equals("m900")) {
                        throw new IllegalStateException("always fails");
                      }
                      done.countDown();
                    }))
            .start());
    SimpleClient client = client(address);
    long batchesBefore = AmqpCounters.batchesTaken();

    sendAtOnce(client, texts("m", BURST));

    // m900 never succeeds: the others (m7 and m1500 on their second call) count down
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (done.getCount() > 1 && System.nanoTime() < deadline) {
      done.await(100, TimeUnit.MILLISECONDS);
    }
    assertThat(done.getCount()).isEqualTo(1);
    assertThat(AmqpCounters.batchesTaken()).isGreaterThan(batchesBefore);
    // dead-lettered alone: the batch it came in is not
    assertThat(deadLetters(names, 1)).singleElement().asString().contains("m900");
    assertThat(calls).hasSize(BURST);
    assertThat(calls.get("m7").get()).isEqualTo(2);
    assertThat(calls.get("m1500").get()).isEqualTo(2);
    assertThat(calls.get("m900").get()).isEqualTo(2);
    assertThat(calls)
        .allSatisfy(
            (s, n) -> {
              if (!List.of("m7", "m1500", "m900").contains(s)) {
                assertThat(n.get()).as(s).isEqualTo(1);
              }
            });
  }

  /**
   * The broker closes the server's connection while batches are being handled: the batches it
   * delivers again after the reconnect are recognised as the ones in progress (they take the new
   * tag), so every message is handled once.
   */
  @Test
  void theBrokerClosingTheServerConnectionMidBatchLosesNoMessageAndHandlesNoneTwice()
      throws Exception {
    AmqpConnector address = Broker.connector("batchclosed");
    Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch all = new CountDownLatch(BURST);
    resources.add(
        SimpleServer.builder(address)
            .handler(
                Handler.consumer(
                    String.class,
                    s -> {
                      count(handled, s);
                      started.countDown();
                      awaitQuietly(release); // unfinished, so unacknowledged, when the broker closes
                      all.countDown();
                    }))
            .start());
    SimpleClient client = client(address);
    long batchesBefore = AmqpCounters.batchesTaken();
    long redeliveriesBefore = AmqpCounters.redeliveries();
    sendAtOnce(client, texts("m", BURST));
    assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();

    assertThat(Broker.closeConnections("communica server " + address.address())).isEqualTo(1);
    // after the reconnect the broker delivers again what was unacknowledged
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (AmqpCounters.redeliveries() == redeliveriesBefore && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(AmqpCounters.redeliveries()).isGreaterThan(redeliveriesBefore);
    release.countDown();

    assertThat(all.await(60, TimeUnit.SECONDS)).isTrue();
    assertThat(AmqpCounters.batchesTaken()).isGreaterThan(batchesBefore);
    assertThat(handled).hasSize(BURST).allSatisfy((s, n) -> assertThat(n.get()).as(s).isEqualTo(1));
  }

  /**
   * The address queue is full when a message of a batch fails: it cannot go back alone, so the
   * batch goes back whole, and on its return only that message is handled again.
   */
  @Test
  void aBatchWhoseFailedMessageCannotGoBackAloneReturnsWholeAndOnlyThatMessageIsHandledAgain()
      throws Exception {
    AmqpConnector address = Broker.connector("batchfull");
    Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    CountDownLatch failing = new CountDownLatch(1);
    CountDownLatch queueFull = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(BURST);
    resources.add(
        SimpleServer.builder(address)
            .handler(
                Handler.blocking(
                    String.class,
                    s -> {
                      int n = count(calls, s);
                      if (s.equals("m1000") && n == 1) {
                        failing.countDown();
                        // fails once the address queue refuses what is published to it
                        if (!awaitQuietly(queueFull)) {
                          throw new IllegalStateException("the queue did not fill");
                        }
                        throw new IllegalStateException("fails the first time");
                      }
                      done.countDown();
                      return null;
                    }))
            .start());
    SimpleClient client = client(address);
    long batchesBefore = AmqpCounters.batchesTaken();
    sendAtOnce(client, texts("m", BURST));
    assertThat(failing.await(30, TimeUnit.SECONDS)).isTrue();
    AutoCloseable full = Broker.fullAddressQueue(address);
    try {
      queueFull.countDown();
      assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      full.close();
    }
    assertThat(AmqpCounters.batchesTaken()).isGreaterThan(batchesBefore);
    assertThat(calls).hasSize(BURST);
    assertThat(calls.get("m1000").get()).isEqualTo(2);
    assertThat(calls)
        .allSatisfy((s, n) -> assertThat(n.get()).as(s).isEqualTo(s.equals("m1000") ? 2 : 1));
  }

  private static boolean awaitQuietly(CountDownLatch latch) {
    try {
      return latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** A message no retry can handle (it does not decode) goes to the dead letters alone. */
  @Test
  void aMessageOfABatchThatCannotBeDecodedIsDeadLetteredAloneAndTheOthersHandledOnce()
      throws Exception {
    AmqpConnector address = Broker.connector("batchbad");
    Naming names = new Naming(address);
    Map<Integer, AtomicInteger> calls = new ConcurrentHashMap<>();
    CountDownLatch all = new CountDownLatch(BURST);
    resources.add(
        SimpleServer.builder(address)
            .serializer(ContractSerializer.INSTANCE) // integers as text: other text does not decode
            .handler(
                Handler.consumer(
                    Integer.class,
                    i -> {
                      count(calls, i);
                      all.countDown();
                    }))
            .start());
    SimpleClient client =
        resources.add(SimpleClient.builder(address).serializer(ContractSerializer.INSTANCE).start());
    client.connected().block(Broker.timeout());
    long batchesBefore = AmqpCounters.batchesTaken();
    List<Object> burst = new java.util.ArrayList<>();
    for (int i = 0; i < BURST; i++) {
      burst.add(i);
      if (i == BURST / 2) {
        burst.add("not a number");
      }
    }

    Flux.fromIterable(burst).flatMap(client::fireAndForget, burst.size()).then().block(Broker.timeout());

    assertThat(all.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(AmqpCounters.batchesTaken()).isGreaterThan(batchesBefore);
    assertThat(deadLetters(names, 1)).singleElement().asString().contains("not a number");
    assertThat(calls).hasSize(BURST).allSatisfy((i, n) -> assertThat(n.get()).as("%d", i).isEqualTo(1));
  }

  /**
   * The bodies of the dead-lettered messages, once {@code expected} of them arrived (each checked
   * to be a message alone, not a batch), and checked to be all after a further half second.
   */
  private static List<String> deadLetters(Naming names, int expected) throws Exception {
    BlockingQueue<byte[]> dead = new LinkedBlockingQueue<>();
    try (Connection raw = Broker.raw()) {
      Channel ch = raw.createChannel();
      ch.basicConsume(
          names.deadLetterQueue, true, (tag, m) -> dead.add(m.getBody()), tag -> {});
      List<String> bodies = new java.util.ArrayList<>();
      for (int i = 0; i < expected; i++) {
        byte[] b = dead.poll(30, TimeUnit.SECONDS);
        assertThat(b).as("dead letter %d of %d", i + 1, expected).isNotNull();
        assertThat(Wire.isBatch(b)).isFalse();
        bodies.add(new String(b, StandardCharsets.UTF_8));
      }
      assertThat(dead.poll(500, TimeUnit.MILLISECONDS)).as("a dead letter more").isNull();
      return bodies;
    }
  }

  @Test
  void aBatchTheBrokerRefusesFailsEveryMessageInIt() throws Exception {
    AmqpConnector address = Broker.connector("batchnack");
    resources.add(SimpleServer.builder(address).handler(Handler.consumer(String.class, s -> {})).start());
    SimpleClient client = client(address);
    client.fireAndForget("accepted").block(Broker.timeout());
    AutoCloseable full = Broker.fullAddressQueue(address);
    try {
      long nacksBefore = AmqpCounters.nacks();
      List<Throwable> errors =
          Flux.fromIterable(texts("r", 500))
              .flatMap(
                  t -> client.fireAndForget(t).then(Mono.<Throwable>empty()).onErrorResume(Mono::just),
                  500)
              .collectList()
              .block(Broker.timeout());
      assertThat(errors).hasSize(500).allSatisfy(e -> assertThat(e).isInstanceOf(OverloadedException.class));
      // the broker refused fewer publishes than there were messages: they went in batches
      assertThat(AmqpCounters.nacks() - nacksBefore).isLessThan(500);
    } finally {
      full.close();
    }
  }
}
