package io.communica.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.communica.core.ClientInfo;
import io.communica.core.ConnectionLostException;
import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.SimpleClient;
import io.communica.core.RouteClient;
import io.communica.core.SimpleServer;
import reactor.core.publisher.Flux;
import io.communica.test.contract.ChildProcess;
import io.communica.test.contract.ContractSerializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** A parent and a real child JVM talking over the child's standard input and output. */
class StdioConnectorTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final AtomicReference<Process> child = new AtomicReference<>();
  private final BlockingQueue<String> fromChild = new LinkedBlockingQueue<>();
  private final BlockingQueue<String> stderr = new LinkedBlockingQueue<>();

  @AfterEach
  void cleanUp() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
    Process p = child.get();
    if (p != null && p.isAlive()) {
      p.destroyForcibly();
    }
  }

  private StdioConnector.Builder command(String mode) {
    return StdioConnector.builder(StdioChild.java(StdioChild.class, mode))
        .onStart(child::set)
        .stderrLines(stderr::add);
  }

  /** A parent serving its child: answers "parent got x" and records what the child fires. */
  private SimpleServer parent(StdioConnector.Builder command) {
    SimpleServer server =
        SimpleServer.builder(command.build())
            .handler(
                Handler.nonBlocking(
                    String.class,
                    s -> {
                      fromChild.add(s);
                      return "parent got " + s;
                    }))
            .start();
    toClose.add(server);
    return server;
  }

  private String next(BlockingQueue<String> queue, String prefix) throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      String s = queue.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (s != null && s.startsWith(prefix)) {
        return s;
      }
    }
    throw new AssertionError("nothing starting with '" + prefix + "' within " + TIMEOUT);
  }

  @Test
  void requestsGoBothWays() throws Exception {
    SimpleServer server = parent(command("client"));
    // child -> parent: the child requested, got the reply, and fired it back
    assertThat(next(fromChild, "child got: ")).isEqualTo("child got: parent got hello from child");
    // parent -> child
    assertThat(server.request("upper:abc", String.class).block(TIMEOUT)).isEqualTo("ABC");
    assertThat(server.requestClient("kid", "upper:def", String.class).block(TIMEOUT))
        .isEqualTo("DEF");
    ClientInfo info = server.clients().get(0);
    assertThat(info.clientId()).isEqualTo("kid");
    assertThat(info.remoteAddress()).contains("child pid " + child.get().pid());
    assertThat(server.connector().dump()).isEqualTo("stdio://");
  }

  @Test
  void printsOfTheChildGoToStandardErrorNotIntoTheFrameStream() throws Exception {
    SimpleServer server = parent(command("client"));
    assertThat(server.request("print:stray line", String.class).block(TIMEOUT)).isEqualTo("printed");
    assertThat(next(stderr, "stray")).isEqualTo("stray line");
    assertThat(server.request("upper:still fine", String.class).block(TIMEOUT))
        .isEqualTo("STILL FINE");
  }

  @Test
  void childExitingMidRequestFailsItWithTheExitCode() {
    SimpleServer server = parent(command("client"));
    assertThat(server.request("upper:up", String.class).block(TIMEOUT)).isEqualTo("UP");
    StepVerifier.create(server.request("exit:3", String.class))
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(ConnectionLostException.class)
                    .hasMessageContaining("exited with code 3"))
        .verify(TIMEOUT);
  }

  @Test
  void closingTheParentEndsTheChildCleanly() throws Exception {
    SimpleServer server = parent(command("client").closeGrace(Duration.ofSeconds(20)));
    // the child's main is done (it fired last), so that it can only end through its input
    assertThat(next(fromChild, "child got: ")).startsWith("child got: ");
    assertThat(server.request("upper:x", String.class).block(TIMEOUT)).isEqualTo("X");
    server.close();
    Process p = child.get();
    assertThat(p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    // 0: it ended because its input closed, not because it was destroyed (143)
    assertThat(p.exitValue()).isZero();
  }

  @Test
  void childThatIgnoresItsClosedInputIsDestroyedAfterTheGracePeriod() throws Exception {
    SimpleServer server = parent(command("stubborn").closeGrace(Duration.ofMillis(300)));
    assertThat(next(fromChild, "child got: ")).startsWith("child got: ");
    server.close();
    Process p = child.get();
    assertThat(p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isNotZero();
  }

  @Test
  void childThatSendsGarbageIsCutOffAndTheServerKeepsWorking() throws Exception {
    SimpleServer server = parent(command("garbage").closeGrace(Duration.ofMillis(300)));
    Process p = child.get();
    // the parent closes the connection on the bad length prefix and ends the child
    assertThat(p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(server.clients()).isEmpty();
  }

  @Test
  void parentCanBeTheClientOfAChildServer() throws Exception {
    SimpleClient client =
        SimpleClient.builder(command("server").build()).start();
    toClose.add(client);
    assertThat(client.request("x", String.class).block(TIMEOUT)).isEqualTo("echo:x");
    client.close();
    Process p = child.get();
    assertThat(p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
  }

  /** Streams and channels over a child's pipes: 10,000 items each way, credits in both. */
  @Test
  void streamsAndChannelsCrossTheChildsPipes() {
    RouteClient client =
        RouteClient.builder(command("streamer").build())
            .serializer(ContractSerializer.INSTANCE)
            .start();
    toClose.add(client);
    int n = 10_000;
    StepVerifier.create(client.requestStream("count", n, Integer.class).limitRate(7))
        .expectNextCount(n)
        .expectComplete()
        .verify(TIMEOUT);
    StepVerifier.create(
            client
                .requestChannel("echo", Flux.range(1, n), Integer.class)
                .reduce(0L, (sum, i) -> sum + i))
        .expectNext(-(long) n * (n + 1) / 2)
        .expectComplete()
        .verify(TIMEOUT);
  }

  /** The core's test child, written for sockets, runs unchanged over stdio. */
  @Test
  void aChildWrittenForSocketsRunsUnchangedOnStdio() throws Exception {
    List<String> cmd = new ArrayList<>(StdioChild.java(ChildProcess.class, "client", "stdio://", "c1"));
    SimpleServer server =
        SimpleServer.builder(
                StdioConnector.builder(cmd).onStart(child::set).stderrLines(stderr::add).build())
            .serializer(ContractSerializer.INSTANCE) // the child's
            .handler(Handler.nonBlocking(String.class, s -> "echo:" + s))
            .start();
    toClose.add(server);
    // its println of the reply went to standard error
    assertThat(next(stderr, "REPLY ")).isEqualTo("REPLY echo:child-hello");
    assertThat(child.get().waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(child.get().exitValue()).isZero();
  }

  @Test
  void stdioStringsLoadTheChildSide() {
    Connector c = Connector.load("stdio://");
    assertThat(c).isSameAs(StdioConnector.child());
    assertThat(StdioConnector.command("true").dump()).isEqualTo("stdio://");
    assertThatThrownBy(() -> Connector.load("stdio:///bin/sh"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("stdio://");
    assertThatThrownBy(() -> Connector.load("stdio://?cmd=x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown option 'cmd'");
  }

  @Test
  void aChildWhoseMainReturnsRightAfterStartLivesWhileTheParentKeepsThePipe() throws Exception {
    SimpleServer server = parent(command("returns"));
    assertThat(server.request("upper:still here", String.class, Duration.ofSeconds(20)).block(TIMEOUT))
        .isEqualTo("STILL HERE");
    assertThat(child.get().isAlive()).isTrue();
    server.close();
    assertThat(child.get().waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(child.get().exitValue()).isZero();
  }

  @Test
  void aChildThatExitedFailsLaterRequestsAtOnceWithItsExitCode() throws Exception {
    SimpleServer server = parent(command("client"));
    assertThat(server.request("upper:up", String.class).block(TIMEOUT)).isEqualTo("UP");
    StepVerifier.create(server.request("exit:3", String.class))
        .expectErrorSatisfies(e -> assertThat(e).hasMessageContaining("exited with code 3"))
        .verify(TIMEOUT);
    assertFailsAtOnce(server, "exited with code 3");
  }

  @Test
  void aChildThatExitsBeforeConnectingFailsTheParentsRequestsAtOnce() throws Exception {
    SimpleServer server = parent(command("quits").closeGrace(Duration.ofSeconds(20)));
    assertThat(child.get().waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertFailsAtOnce(server, "exited with code 0");
  }

  /** A request with a long timeout fails within 3 s, naming the child's exit. */
  private static void assertFailsAtOnce(SimpleServer server, String reason) {
    long start = System.nanoTime();
    assertThatThrownBy(
            () -> server.request("upper:late", String.class, Duration.ofSeconds(25)).block(TIMEOUT))
        .isInstanceOf(ConnectionLostException.class)
        .hasMessageContaining(reason);
    assertThatThrownBy(() -> server.requestClient("kid", "upper:late", String.class).block(TIMEOUT))
        .isInstanceOf(ConnectionLostException.class)
        .hasMessageContaining(reason);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
  }
}
