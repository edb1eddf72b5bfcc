package io.communica.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.Handler;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.communica.test.contract.ChildProcess;
import io.netty.util.internal.PlatformDependent;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The exhaustion scenarios of an outside probe, at its scale, against a server in a child JVM with
 * 256 MiB of heap and 256 MiB of direct memory and the paranoid leak detector: 100 peers that send
 * requests and never read the (60 kB) replies, and 100 peers that each leave a 16 MiB fragmented
 * message unfinished. The process's memory budget sheds the connections that hold the most; the
 * server must not run out of memory, must not leak, and must answer a well-behaved client all along.
 */
@Timeout(180)
class MemoryExhaustionTest {

  private static final int PEERS = Integer.getInteger("exhaustion.peers", 100);
  private static final int MESSAGE = 16 * 1024 * 1024;
  private static final int FRAGMENT = 60 * 1024;

  /** The child: an echo server whose empty request is answered with 60 kB. */
  public static void main(String[] args) throws Exception {
    SimpleServer server =
        SimpleServer.builder(TcpConnector.of("127.0.0.1", 0))
            .handler(
                Handler.nonBlocking(
                    String.class,
                    s ->
                        s == null
                            ? "r".repeat(60_000)
                            : s.equals("stats")
                                ? "direct memory in use " + PlatformDependent.usedDirectMemory()
                                    + " of " + PlatformDependent.maxDirectMemory()
                                : "ok " + s))
            .start();
    System.out.println("PORT " + ((TcpConnector) server.connector()).port());
    System.out.flush();
    // serves until the parent closes standard input (or kills this process)
    while (System.in.read() >= 0) {
      // nothing to read
    }
    server.close();
    System.exit(0);
  }

  @Test
  void nonReadingPeersAndUnfinishedMessagesAreShedAndAWellBehavedClientIsAnswered()
      throws Exception {
    File log = File.createTempFile("exhaustion-server", ".log");
    System.out.println("server log: " + log);
    List<String> command = new ArrayList<>(ChildProcess.javaCommand(MemoryExhaustionTest.class));
    command.addAll(
        1,
        List.of(
            "-XX:MaxDirectMemorySize=256m",
            "-Dio.netty.leakDetection.level=paranoid",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=info"));
    Process child =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.to(log)).start();
    ExecutorService attackers = Executors.newFixedThreadPool(16);
    List<RawPeer> peers = new ArrayList<>();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String first = out.readLine();
      assertThat(first).as("the child's first line").startsWith("PORT ");
      int port = Integer.parseInt(first.substring(5));

      AtomicInteger cut = new AtomicInteger();
      AtomicInteger finished = new AtomicInteger();
      List<Future<?>> attacks = new ArrayList<>();
      for (int i = 0; i < PEERS; i++) {
        int n = i;
        attacks.add(
            attackers.submit(
                () -> {
                  RawPeer deaf = new RawPeer(port);
                  synchronized (peers) {
                    peers.add(deaf);
                  }
                  deaf.handshake("deaf-" + n);
                  try {
                    deaf.send(RawPeer.emptyRequests(1000)); // 60 MB of replies it never reads
                  } catch (IOException closed) {
                    cut.incrementAndGet();
                  }
                  return null;
                }));
        attacks.add(
            attackers.submit(
                () -> {
                  RawPeer partial = new RawPeer(port);
                  synchronized (peers) {
                    peers.add(partial);
                  }
                  try {
                    partial.handshake("partial-" + n);
                    sendUnfinished(partial); // and it stays connected
                    finished.incrementAndGet();
                  } catch (IOException closed) {
                    cut.incrementAndGet();
                  }
                  return null;
                }));
      }

      int sent = 0;
      int answered = 0;
      List<String> failures = new ArrayList<>();
      try (SimpleClient canary =
          SimpleClient.builder(TcpConnector.of("127.0.0.1", port))
              .clientId("canary")
              .requestTimeout(Duration.ofSeconds(20))
              .start()) {
        long attackDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while ((!attacks.stream().allMatch(Future::isDone) || sent < 50)
            && System.nanoTime() < attackDeadline) {
          sent++;
          try {
            String reply = canary.request("c" + sent, String.class).block(Duration.ofSeconds(30));
            if (("ok c" + sent).equals(reply)) {
              answered++;
            } else {
              failures.add("unexpected reply " + reply);
            }
          } catch (RuntimeException e) {
            failures.add(e.toString());
          }
        }
        long stuck = attacks.stream().filter(f -> !f.isDone()).count();
        assertThat(stuck)
            .as("attackers still sending after 90 s (answered " + answered + " of " + sent
                + ", cut " + cut.get() + ", finished " + finished.get() + ")")
            .isZero();
        String stats = canary.request("stats", String.class).block(Duration.ofSeconds(30));
        System.out.println(
            "COUNTS exhaustion: canary sent " + sent + ", answered " + answered + ", failed "
                + failures.size() + "; attackers cut by the server " + cut.get()
                + ", unfinished messages sent whole " + finished.get() + "; server " + stats);
      }
      String serverLog = Files.readString(log.toPath());
      assertThat(failures).as("the well-behaved client's failures").isEmpty();
      assertThat(answered).isEqualTo(sent);
      assertThat(serverLog).doesNotContain("OutOfMemoryError").doesNotContain("LEAK:");
      assertThat(serverLog).contains("memory budget");
      assertThat(child.isAlive()).isTrue();
    } finally {
      attackers.shutdownNow();
      synchronized (peers) {
        for (RawPeer p : peers) {
          p.close();
        }
      }
      child.getOutputStream().close();
      if (!child.waitFor(20, TimeUnit.SECONDS)) {
        child.destroyForcibly();
      }
    }
  }

  /** All of a 16 MiB request but its last fragment. */
  private static void sendUnfinished(RawPeer peer) throws IOException {
    byte[] first = RawPeer.frame(FrameHeader.VERSION, FrameType.REQUEST, FrameHeader.FLAG_FOLLOWS, 1, new byte[FRAGMENT]);
    byte[] next =
        RawPeer.frame(
            FrameHeader.VERSION, FrameType.REQUEST,
            FrameHeader.FLAG_FOLLOWS | FrameHeader.FLAG_CONTINUED, 1, new byte[FRAGMENT]);
    peer.send(first);
    for (int sent = FRAGMENT; sent + FRAGMENT < MESSAGE; sent += FRAGMENT) {
      peer.send(next);
    }
  }
}
