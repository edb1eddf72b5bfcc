package io.communica.bench.stacks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every stack in one JVM over real loopback sockets (the ring floor over its mapped files): requests are echoed, the server counts data
 * messages but not control requests, pipelined requests keep flowing, and every fire-and-forget
 * message the client's transport took reaches the server.
 */
@Timeout(90)
class StacksTest {

  /** The stacks that run on TCP or shared memory; {@code amqp-raw} is tested on the broker below. */
  static Stream<String> stacks() {
    return Stack.NAMES.stream().filter(n -> !n.equals("amqp-raw"));
  }

  /** Loopback TCP, or for the shared-memory floor a ring directory of its own. */
  private static String bind(Stack stack) {
    return stack.transports().contains("tcp") ? "tcp://127.0.0.1:0" : "shm://stackstest";
  }

  /** The broker bind of the {@code amqp-raw} cases, or a skipped test without a broker. */
  private static String broker(String replies) {
    try (java.net.Socket socket = new java.net.Socket()) {
      socket.connect(new java.net.InetSocketAddress("127.0.0.1", 5672), 2000);
    } catch (java.io.IOException e) {
      if ("true".equals(System.getenv("COMMUNICA_REQUIRE_BROKER"))) {
        throw new AssertionError("no broker at 127.0.0.1:5672 and COMMUNICA_REQUIRE_BROKER=true", e);
      }
      org.junit.jupiter.api.Assumptions.abort("no broker at 127.0.0.1:5672");
    }
    return "amqp://guest:guest@127.0.0.1:5672?address=stacks-test-"
        + Long.toString(System.nanoTime(), 36) + "&replies=" + replies;
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"queue", "direct"})
  void theRawAmqpClientEchoesCountsAndReceivesEveryMessageItTook(String replies) throws Exception {
    Stack stack = Stack.named("amqp-raw");
    LongAdder received = new LongAdder();
    try (BenchServer server = stack.serve(broker(replies), received);
        BenchClient client = stack.connect(server.address())) {
      client.roundTrip(payload(64));
      assertThat(client.serverSnapshot().count()).isEqualTo(1);
      Meter meter = new Meter();
      client.startRequests(payload(64), 16, meter);
      assertThat(reaches(meter::count, 500)).as("replies: " + meter.count()).isTrue();
      meter.stop();
      assertThat(meter.errors()).isZero();
      long before = received.sum();
      Meter fire = new Meter();
      Backlog backlog = new Backlog(64 * 1024, 64, client, fire);
      Thread sender =
          new Thread(
              () -> {
                try {
                  client.runFire(payload(64), fire, backlog);
                } catch (Exception e) {
                  fire.fail(e);
                }
              });
      sender.start();
      assertThat(reaches(received::sum, before + 1000)).as("received: " + received.sum()).isTrue();
      fire.stop();
      sender.join(30_000);
      assertThat(sender.isAlive()).isFalse();
      assertThat(fire.errors()).as("%s", fire.firstError()).isZero();
      // requests of the stopped request workload still in flight count on the server too
      assertThat(reaches(received::sum, before + fire.count())).as("confirmed messages arrive").isTrue();
    }
  }

  private static byte[] payload(int n) {
    byte[] p = new byte[n];
    Arrays.fill(p, (byte) 'x');
    return p;
  }

  /** Waits until {@code value} reaches {@code atLeast}; false after 30 s. */
  private static boolean reaches(LongSupplier value, long atLeast) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (value.getAsLong() < atLeast) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      Thread.onSpinWait();
    }
    return true;
  }

  @ParameterizedTest
  @MethodSource("stacks")
  void echoesCountsAndKeepsRequestsInFlight(String name) throws Exception {
    Stack stack = Stack.named(name);
    LongAdder received = new LongAdder();
    try (BenchServer server = stack.serve(bind(stack), received);
        BenchClient client = stack.connect(server.address())) {
      client.roundTrip(payload(4096));
      client.roundTrip(payload(64));
      Snapshot s = client.serverSnapshot();
      assertThat(s.count()).as("data messages, not control requests").isEqualTo(2);
      assertThat(s.cpuNanos()).isPositive();

      Meter meter = new Meter();
      client.startRequests(payload(64), 16, meter);
      assertThat(reaches(meter::count, 2000)).as("replies: " + meter.count()).isTrue();
      meter.stop();
      assertThat(meter.errors()).isZero();
    }
  }

  @ParameterizedTest
  @MethodSource("stacks")
  void theStacksWithStreamsCountItemsAsTheyArrive(String name) throws Exception {
    Stack stack = Stack.named(name);
    if (!stack.streams()) {
      return; // the floor has no streams
    }
    try (BenchServer server = stack.serve(bind(stack), new LongAdder());
        BenchClient client = stack.connect(server.address())) {
      Meter meter = new Meter();
      client.startStream(payload(64), meter);
      assertThat(reaches(meter::count, 20_000)).as("items: " + meter.count()).isTrue();
      meter.stop();
      assertThat(meter.errors()).as("%s", meter.firstError()).isZero();
    }
  }

  @ParameterizedTest
  @MethodSource("stacks")
  void theReactiveStacksKeepRequestsInFlightThroughFlatMap(String name) throws Exception {
    Stack stack = Stack.named(name);
    if (!stack.reactive()) {
      return; // the floors are not reactive
    }
    try (BenchServer server = stack.serve(bind(stack), new LongAdder());
        BenchClient client = stack.connect(server.address())) {
      Meter meter = new Meter();
      client.startFlatMap(payload(64), 16, meter);
      assertThat(reaches(meter::count, 2000)).as("replies: " + meter.count()).isTrue();
      meter.stop();
      assertThat(meter.errors()).as("%s", meter.firstError()).isZero();
    }
  }

  @ParameterizedTest
  @MethodSource("stacks")
  void everyFireAndForgetMessageTakenIsReceived(String name) throws Exception {
    Stack stack = Stack.named(name);
    LongAdder received = new LongAdder();
    try (BenchServer server = stack.serve(bind(stack), received);
        BenchClient client = stack.connect(server.address())) {
      Meter meter = new Meter();
      Backlog backlog = new Backlog(64 * 1024, 64, client, meter);
      Thread sender =
          new Thread(
              () -> {
                try {
                  client.runFire(payload(64), meter, backlog);
                } catch (Exception e) {
                  meter.fail(e);
                }
              });
      sender.start();
      assertThat(reaches(received::sum, 5_000)).as("received: " + received.sum()).isTrue();
      meter.stop();
      sender.join(10_000);
      assertThat(sender.isAlive()).isFalse();
      assertThat(meter.errors()).as("%s", meter.firstError()).isZero();
      assertThat(reaches(received::sum, meter.count())).as("all taken messages arrive").isTrue();
      assertThat(received.sum()).isEqualTo(meter.count());
    }
  }

  @Test
  void theFloorRunsOnUnixSocketsToo(@TempDir Path dir) throws Exception {
    Stack floor = Stack.named("floor");
    LongAdder received = new LongAdder();
    try (BenchServer server = floor.serve("unix://" + dir.resolve("s.sock"), received);
        BenchClient client = floor.connect(server.address())) {
      assertThat(server.address()).startsWith("unix://");
      client.roundTrip(payload(64));
      assertThat(client.serverSnapshot().count()).isEqualTo(1);
    }
  }
}
