package io.communica.local.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** Workers driving real programs: cat, head, seq, sh. */
class WorkerTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private final List<Worker> workers = new ArrayList<>();

  @AfterEach
  void shutdownAll() {
    workers.forEach(Worker::shutdown);
  }

  private Worker start(Worker.Builder b) {
    Worker w = b.build();
    workers.add(w);
    return w.run();
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + TIMEOUT + ": " + what);
      }
      Thread.sleep(10); // polling a condition no signal exists for
    }
  }

  @Test
  void echoRoundTripThroughCat() throws Exception {
    Worker cat = start(Worker.builder("cat"));
    BlockingQueue<String> got = new LinkedBlockingQueue<>();
    cat.lines().subscribe(got::add);
    cat.send("hello");
    cat.send("wörld ✓");
    cat.send("");
    assertThat(got.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("hello");
    assertThat(got.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("wörld ✓");
    assertThat(got.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEmpty();
    assertThat(cat.isRunning()).isTrue();
    cat.shutdown();
    assertThat(cat.isRunning()).isFalse();
    assertThat(cat.onExit().block(TIMEOUT)).isZero();
  }

  @Test
  void callbackReceivesEveryLineAcrossRestarts() throws Exception {
    BlockingQueue<String> got = new LinkedBlockingQueue<>();
    // reads one line, answers it, exits: like the seed's program that stops on 42
    Worker once =
        start(Worker.builder("sh", "-c", "read x; echo \"got $x\"; exit 7").onLine(got::add));
    once.send("1");
    assertThat(got.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("got 1");
    assertThat(once.onExit().block(TIMEOUT)).isEqualTo(7);
    assertThat(once.isRunning()).isFalse();
    assertThatThrownBy(() -> once.send("2"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("exit code 7");
    once.run();
    assertThat(once.isRunning()).isTrue();
    assertThatThrownBy(once::run).isInstanceOf(IllegalStateException.class);
    once.send("3");
    assertThat(got.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("got 3");
  }

  @Test
  void linesCompleteWhenTheProgramEnds() {
    Worker seq = start(Worker.builder("seq", "1", "5"));
    StepVerifier.create(seq.lines())
        .expectNext("1", "2", "3", "4", "5")
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void aFloodOfOutputWithASlowConsumerStaysBounded() throws Exception {
    int buffered = 64;
    Worker flood = start(Worker.builder("seq", "1", "100000000")
                .bufferedLines(buffered)
                .shutdownGrace(Duration.ofMillis(300)));
    List<String> taken = new ArrayList<>();
    StepVerifier.create(flood.lines(), 0)
        .thenRequest(10)
        .recordWith(() -> taken)
        .expectNextCount(10)
        .then(
            () -> {
              try {
                // the reader fills the buffer, then stops reading: the program blocks on the pipe
                await(() -> flood.linesQueued() >= 10 + buffered, "the buffer fills");
                long before = flood.linesQueued();
                await(() -> flood.process().isAlive(), "seq alive");
                assertThat(before).isEqualTo(10 + buffered);
                // nothing more is read while nobody asks, however long the program could go on
                for (int i = 0; i < 20; i++) {
                  Thread.sleep(10);
                  assertThat(flood.linesQueued()).isEqualTo(before);
                }
              } catch (InterruptedException e) {
                throw new AssertionError(e);
              }
            })
        .thenRequest(1000)
        .expectNextCount(1000)
        .thenCancel()
        .verify(TIMEOUT);
    for (int i = 0; i < taken.size(); i++) {
      assertThat(taken.get(i)).isEqualTo(String.valueOf(i + 1));
    }
    assertThat(taken).hasSize(1010);
    assertThat(flood.process().isAlive()).isTrue();
    flood.shutdown();
    assertThat(flood.process().isAlive()).isFalse();
  }

  @Test
  void aLineOverTheLimitFailsTheLinesAndStopsTheProgram() {
    Worker w =
        start(
            Worker.builder("sh", "-c", "echo short; head -c 100000 /dev/zero | tr '\\000' a; echo; sleep 60")
                .maxLineLength(1000)
                .shutdownGrace(Duration.ofMillis(300)));
    StepVerifier.create(w.lines())
        .expectNext("short")
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("longer than 1000 characters"))
        .verify(TIMEOUT);
    assertThat(w.onExit().block(TIMEOUT)).isNotNull();
  }

  @Test
  void oneSubscriberPerRunAndOneLinePerSend() {
    Worker cat = start(Worker.builder("cat"));
    Flux<String> lines = cat.lines();
    lines.subscribe();
    StepVerifier.create(lines).expectError(IllegalStateException.class).verify(TIMEOUT);
    assertThatThrownBy(() -> cat.send("two\nlines")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Worker.builder("cat").build().send("x"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("never started");
  }

  @Test
  void aProgramThatIgnoresItsClosedInputIsDestroyedAfterTheGrace() throws Exception {
    Worker stubborn =
        start(Worker.builder("sh", "-c", "trap '' TERM; exec sleep 60").shutdownGrace(Duration.ofMillis(200)));
    stubborn.shutdown();
    assertThat(stubborn.isRunning()).isFalse();
    assertThat(stubborn.process().isAlive()).isFalse();
  }
}
