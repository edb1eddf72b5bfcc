package io.communica.shm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.communica.core.transport.Causes;
import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.FrameListener;
import io.communica.core.transport.TransportOptions;
import io.communica.test.ConcurrentCallers;
import io.communica.test.contract.ChildProcess;
import io.netty.buffer.ByteBuf;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What the shared-memory transport promises beyond the connector contract. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShmConnectorTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(15);
  private static final AtomicInteger NEXT = new AtomicInteger();

  private final List<AutoCloseable> open = new ArrayList<>();

  private static ShmConnector fresh() {
    return ShmConnector.named("test-" + ProcessHandle.current().pid() + "-" + NEXT.incrementAndGet());
  }

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

  private SimpleServer echoServer(Connector c) {
    return add(SimpleServer.builder(c).handler(Handler.nonBlocking(String.class, s -> "echo:" + s)).start());
  }

  @Test
  void dumpsAndLoadsItsOptionsAndRejectsBadOnes() {
    ShmConnector c = ShmConnector.named("app").idle(ShmConnector.Idle.SPIN).ringSize(65536);
    assertThat(c.dump()).isEqualTo("shm://app?idle=spin&ring=65536");
    assertThat(Connector.load(c.dump())).isEqualTo(c);
    assertThat(ShmConnector.named("app").dump()).isEqualTo("shm://app");
    assertThat(Connector.load("shm://app?idle=park")).isEqualTo(ShmConnector.named("app").idle(ShmConnector.Idle.PARK));
    assertThatThrownBy(() -> Connector.load("shm://app?idle=sleep"))
        .hasMessageContaining("idle must be spin, backoff or park");
    assertThatThrownBy(() -> Connector.load("shm://app?ring=100000"))
        .hasMessageContaining("power of two");
    assertThatThrownBy(() -> Connector.load("shm://app?size=1")).hasMessageContaining("unknown option 'size'");
    assertThatThrownBy(() -> ShmConnector.named("../etc")).hasMessageContaining("shared-memory name");
  }

  @Test
  void directoriesAreOwnerOnlyAndRingFilesAreUnlinkedOnceMapped() throws Exception {
    ShmConnector c = fresh();
    SimpleServer server = echoServer(c);
    SimpleClient client = add(SimpleClient.builder(server.connector()).start());
    assertThat(client.request("x", String.class).block(TIMEOUT)).isEqualTo("echo:x");
    Path dir = c.directory();
    if (Files.isDirectory(Path.of("/dev/shm"))) {
      assertThat(dir.toString()).startsWith("/dev/shm/");
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.getParent())))
        .isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("bell.sock"))))
        .isEqualTo("rw-------");
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("bell.sock");
    }
    assertThat(server.clients().get(0).credentials()).isNotNull();
    assertThat(server.clients().get(0).credentials().pid()).isEqualTo(ProcessHandle.current().pid());
    client.close();
    server.close();
    assertThat(dir).doesNotExist();
  }

  @Test
  void aDirectoryLeftByADeadServerIsReclaimedAndALiveServerIsNot() throws Exception {
    ShmConnector c = fresh();
    Path dir = c.directory();
    ShmFiles.ensurePrivateDirectory(dir.getParent());
    ShmFiles.ensurePrivateDirectory(dir);
    try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      dead.bind(UnixDomainSocketAddress.of(dir.resolve("bell.sock"))); // closing leaves the file
    }
    Files.write(dir.resolve("1-1.ring"), new byte[100]);
    SimpleServer server = echoServer(c);
    assertThat(dir.resolve("1-1.ring")).doesNotExist();
    SimpleClient client = add(SimpleClient.builder(c).start());
    assertThat(client.request("y", String.class).block(TIMEOUT)).isEqualTo("echo:y");
    assertThatThrownBy(() -> echoServer(c))
        .satisfies(e -> assertThat(Causes.messages(e)).contains("address in use"));
    assertThat(server.isClosed()).isFalse();
    assertThat(client.request("z", String.class).block(TIMEOUT)).isEqualTo("echo:z");
  }

  /** The server's agent is stuck in a handler; the client's ring fills; nothing is lost. */
  @Test
  void aFullRingIsBackpressureNeverLoss() throws Exception {
    ShmConnector c = fresh().ringSize(ShmConnector.MIN_RING_SIZE);
    CountDownLatch release = new CountDownLatch(1);
    List<String> got = Collections.synchronizedList(new ArrayList<>());
    int total = 3000;
    CountDownLatch all = new CountDownLatch(total);
    add(
        SimpleServer.builder(c.idle(ShmConnector.Idle.PARK)) // its own agent, which the handler holds
            .handler(
                Handler.nonBlocking(
                    String.class,
                    s -> {
                      if (got.isEmpty()) {
                        await(release);
                      }
                      got.add(s);
                      all.countDown();
                      return null;
                    }))
            .start());
    SimpleClient client = add(SimpleClient.builder(c).start());
    client.connected().block(TIMEOUT);
    String pad = "p".repeat(1000);
    // 3 MB of messages towards a 64 KiB ring that nobody reads: a message counts as sent once the
    // transport took it, so sending stalls once the ring and the connection's pending writes
    // (1 MiB) are full, and the rest wait in order
    AtomicInteger taken = new AtomicInteger();
    CountDownLatch manyTaken = new CountDownLatch(200);
    List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < total; i++) {
      client
          .fireAndForget(i + ":" + pad)
          .subscribe(
              null,
              errors::add,
              () -> {
                taken.incrementAndGet();
                manyTaken.countDown();
              });
    }
    assertThat(manyTaken.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(got).hasSizeLessThanOrEqualTo(1);
    assertThat(taken.get()).isLessThan(total);
    release.countDown();
    assertThat(all.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    for (int i = 0; i < total; i++) {
      assertThat(got.get(i)).startsWith(i + ":");
    }
    assertThat(errors).isEmpty();
  }

  @Test
  void framesLargerThanARingRecordCrossInPieces() {
    ShmConnector c = fresh().ringSize(ShmConnector.MIN_RING_SIZE); // records of at most 8 KiB
    SimpleServer server =
        add(
            SimpleServer.builder(c)
                .maxFrameSize(1 << 20)
                .handler(Handler.nonBlocking(String.class, s -> s + "!"))
                .start());
    SimpleClient client = add(SimpleClient.builder(server.connector()).maxFrameSize(1 << 20).start());
    String big = "b".repeat(900_000); // one frame of 900 KB: many records, more than a ring
    assertThat(client.request(big, String.class).block(TIMEOUT)).isEqualTo(big + "!");
    assertThat(client.request("small", String.class).block(TIMEOUT)).isEqualTo("small!");
  }

  /** A frame above the server's maximum frame size closes that connection only. */
  @Test
  void anOversizeFrameClosesItsConnectionAndTheServerServesOthers() throws Exception {
    ShmConnector c = fresh();
    echoServer(c);
    CountDownLatch closed = new CountDownLatch(1);
    List<Integer> types = Collections.synchronizedList(new ArrayList<>());
    FrameConnection raw = rawConnection(c, types, closed);
    raw.execute(
        () -> {
          ByteBuf frame = raw.alloc().buffer(200_000);
          FrameHeader.write(frame, FrameType.HELLO, 0, 0, 0, 0, 0);
          frame.writeZero(200_000 - FrameHeader.SIZE); // above the server's 64 KiB
          raw.write(frame);
          raw.flush();
        });
    assertThat(closed.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(types).containsExactly(FrameType.CLOSE); // the server said why
    SimpleClient good = add(SimpleClient.builder(c).start());
    assertThat(good.request("fine", String.class).block(TIMEOUT)).isEqualTo("echo:fine");
  }

  @Test
  void aBatchRecordThatDoesNotAddUpClosesItsConnectionAndTheServerServesOthers() throws Exception {
    ShmConnector c = fresh();
    echoServer(c);
    CountDownLatch closed = new CountDownLatch(1);
    List<Integer> types = Collections.synchronizedList(new ArrayList<>());
    FrameConnection raw = rawConnection(c, types, closed);
    // one frame of 100 bytes announced, 20 present: the reader must not read past the record
    ByteBuffer batch = ByteBuffer.allocate(24).order(ByteOrder.nativeOrder());
    batch.putInt(100);
    raw.execute(() -> ((ShmConnection) raw).writeRecord(ShmConnection.BATCH, batch.array()));
    assertThat(closed.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(types).containsExactly(FrameType.CLOSE); // the server said why
    SimpleClient good = add(SimpleClient.builder(c).start());
    assertThat(good.request("fine", String.class).block(TIMEOUT)).isEqualTo("echo:fine");
  }

  @Test
  void underSpinBlockingCallersFromManyThreadsGetTheirOwnReplies() throws Exception {
    // under spin a caller's thread writes its request and polls for the reply itself when nobody
    // else is the loop, else the agent does: eight threads contend for it, one connection
    ShmConnector c = fresh().idle(ShmConnector.Idle.SPIN);
    echoServer(c);
    SimpleClient client = add(SimpleClient.builder(c).start());
    ConcurrentCallers.assertEachGetsItsOwnReply(client, m -> "echo:" + m, 8, 300, TIMEOUT);
  }

  @Test
  void withoutTheJvmExportBindingFailsNamingTheOption() throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(ChildProcess.javaCommand(NoExportChild.class, fresh().name()))
            .redirectErrorStream(true);
    pb.environment().remove("JDK_JAVA_OPTIONS");
    Process p = pb.start();
    String out;
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      out = String.join("\n", r.lines().toList());
    }
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(out).contains("FAILED").contains("--add-exports java.base/jdk.internal.misc=ALL-UNNAMED");
  }

  /** A child JVM started without the export: tries to serve and prints why it cannot. */
  public static final class NoExportChild {
    public static void main(String[] args) {
      try (SimpleServer s =
          SimpleServer.builder(ShmConnector.named(args[0])).handler(Handler.nonBlocking(String.class, x -> x)).start()) {
        System.out.println("STARTED " + s.connector().dump());
      } catch (RuntimeException e) {
        System.out.println("FAILED " + Causes.messages(e));
      }
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A connection below the session, speaking frames directly: the types of the frames it receives
   * go to {@code types}, and {@code closed} counts down when it closes.
   */
  private static FrameConnection rawConnection(
      ShmConnector c, List<Integer> types, CountDownLatch closed) {
    return c.connect(
            new TransportOptions(1 << 20, Duration.ofSeconds(5)),
            conn ->
                new FrameListener() {
                  @Override
                  public void onFrame(ByteBuf frame) {
                    types.add(FrameHeader.type(frame));
                  }

                  @Override
                  public void onReadComplete() {}

                  @Override
                  public void onWritable() {}

                  @Override
                  public void onProtocolError(String reason) {}

                  @Override
                  public void onClosed(@Nullable Throwable cause) {
                    closed.countDown();
                  }
                })
        .block(TIMEOUT);
  }
}
