package io.communica.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.communica.core.ClientInfo;
import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.HandshakeRefusedException;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.core.transport.PeerCredentials;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.test.StepVerifier;

/** What the local socket transport promises beyond the shared contract. */
class LocalConnectorTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  @TempDir Path dir;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private static LocalConnector on(String impl, LocalConnector c) {
    return c.withSockets(impl.equals("epoll") ? EpollSockets.INSTANCE : JunixSockets.INSTANCE);
  }

  private SimpleServer serve(Connector c) {
    return track(
        SimpleServer.builder(c).handler(Handler.nonBlocking(String.class, s -> "echo:" + s)).start());
  }

  private <T extends AutoCloseable> T track(T t) {
    toClose.add(t);
    return t;
  }

  private String ask(Connector c) {
    SimpleClient client = track(SimpleClient.builder(c).start());
    return client.request("hi", String.class).block(TIMEOUT);
  }

  // ---------------------------------------------------------------- the socket file

  @ParameterizedTest
  @ValueSource(strings = {"epoll", "junixsocket"})
  void socketFileIsOwnerOnlyAndRemovedOnClose(String impl) throws Exception {
    Path sock = dir.resolve("a.sock");
    SimpleServer server = serve(on(impl, LocalConnector.unix(sock)));
    assertThat(Files.getPosixFilePermissions(sock))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(ask(server.connector())).isEqualTo("echo:hi");
    server.close();
    assertThat(sock).doesNotExist();
  }

  @ParameterizedTest
  @ValueSource(strings = {"epoll", "junixsocket"})
  void secondServerOnALivePathFailsAndTheFirstKeepsServing(String impl) {
    Path sock = dir.resolve("b.sock");
    SimpleServer first = serve(on(impl, LocalConnector.unix(sock)));
    assertThatThrownBy(() -> serve(on(impl, LocalConnector.unix(sock))))
        .hasMessageContaining("address in use")
        .hasMessageContaining(sock.toString());
    assertThat(sock).exists();
    assertThat(ask(first.connector())).isEqualTo("echo:hi");
  }

  @ParameterizedTest
  @ValueSource(strings = {"epoll", "junixsocket"})
  void staleSocketFileOfADeadServerIsReplaced(String impl) throws Exception {
    Path sock = dir.resolve("c.sock");
    // a server that went away without removing its file: nobody listens on it any more
    try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      dead.bind(UnixDomainSocketAddress.of(sock));
    }
    assertThat(sock).exists();
    SimpleServer server = serve(on(impl, LocalConnector.unix(sock)));
    assertThat(ask(server.connector())).isEqualTo("echo:hi");
  }

  @Test
  void aFileThatIsNotASocketIsNeverTouched() throws Exception {
    Path file = dir.resolve("d.sock");
    Files.writeString(file, "precious");
    assertThatThrownBy(() -> serve(LocalConnector.unix(file)))
        .hasMessageContaining("is not a socket");
    assertThat(Files.readString(file)).isEqualTo("precious");
  }

  @Test
  void pathOverThePlatformLimitFailsClearly() {
    String longPath = "/tmp/" + "x".repeat(120) + ".sock";
    assertThatThrownBy(() -> LocalConnector.unix(longPath))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("longer than the " + SocketFiles.maxPathBytes() + " bytes");
    assertThatThrownBy(() -> Connector.load("unix://" + longPath))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid connector string")
        .hasMessageContaining("bytes");
    // the longest allowed path is accepted
    String fits = "/" + "y".repeat(SocketFiles.maxPathBytes() - 1);
    assertThat(LocalConnector.unix(fits).path().toString()).hasSize(SocketFiles.maxPathBytes());
  }

  @Test
  void localNamesLiveInAPrivateDirectory() throws Exception {
    String name = "t-" + UUID.randomUUID().toString().substring(0, 8);
    LocalConnector c = LocalConnector.named(name);
    SimpleServer server = serve(c);
    assertThat(server.connector().dump()).isEqualTo("local://" + name);
    Path sock = c.path();
    assertThat(sock.getFileName().toString()).isEqualTo(name + ".sock");
    assertThat(Files.getPosixFilePermissions(sock.getParent()))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    assertThat(Files.getPosixFilePermissions(sock))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(ask(Connector.load("local://" + name))).isEqualTo("echo:hi");
    server.close();
    assertThat(sock).doesNotExist();
  }

  // ---------------------------------------------------------------- connector strings

  @Test
  void dumpsLoadBackEqual() {
    for (LocalConnector c :
        List.of(
            LocalConnector.unix(dir.resolve("e.sock")),
            LocalConnector.unix("/run/user/1000/app.sock").allowUids(1000, 1001),
            LocalConnector.named("app").allowAnyUid(),
            LocalConnector.named("a.b_c-1"))) {
      String dumped = c.dump();
      assertThat(dumped).matches("\\p{ASCII}+");
      Connector loaded = Connector.load(dumped);
      assertThat(loaded).isEqualTo(c);
      assertThat(((LocalConnector) loaded).path()).isEqualTo(c.path());
    }
    assertThat(LocalConnector.unix("/run/user/1000/app.sock").allowUids(1001, 1000).dump())
        .isEqualTo("unix:///run/user/1000/app.sock?allow-uids=1000,1001");
    assertThat(Connector.load("local://app?allow-uids=any")).isInstanceOf(LocalConnector.class)
        .satisfies(c -> assertThat(((LocalConnector) c).allowsAnyUid()).isTrue());
  }

  @Test
  void badStringsAreRefusedWithTheReason() {
    assertThatThrownBy(() -> Connector.load("unix://tmp/x.sock"))
        .hasMessageContaining("three slashes");
    assertThatThrownBy(() -> Connector.load("unix:///tmp/x.sock?mode=777"))
        .hasMessageContaining("unknown option 'mode'");
    assertThatThrownBy(() -> Connector.load("local://app?allow-uids=root"))
        .hasMessageContaining("allow-uids");
    assertThatThrownBy(() -> Connector.load("local://.hidden"))
        .hasMessageContaining("local socket name");
    assertThatThrownBy(() -> Connector.load("unix:///tmp/caf%C3%A9.sock"))
        .hasMessageContaining("printable ASCII");
    assertThatThrownBy(() -> LocalConnector.unix("relative.sock"))
        .hasMessageContaining("absolute");
  }

  @Test
  void unknownSocketImplementationIsAClearError() {
    String old = System.getProperty(LocalSockets.PROPERTY);
    System.setProperty(LocalSockets.PROPERTY, "tcp");
    try {
      assertThatThrownBy(LocalSockets::select).hasMessageContaining("must be epoll or junixsocket");
    } finally {
      if (old == null) {
        System.clearProperty(LocalSockets.PROPERTY);
      } else {
        System.setProperty(LocalSockets.PROPERTY, old);
      }
    }
  }

  // ---------------------------------------------------------------- peer credentials

  @ParameterizedTest
  @ValueSource(strings = {"epoll", "junixsocket"})
  void serverSeesThePeersPidAndUid(String impl) {
    AtomicReference<ClientInfo> seenByAuthenticator = new AtomicReference<>();
    SimpleServer server =
        track(
            SimpleServer.builder(on(impl, LocalConnector.unix(dir.resolve("f.sock"))))
                .handler(Handler.nonBlocking(String.class, s -> "echo:" + s))
                .authenticator(
                    (info, credentials) -> {
                      seenByAuthenticator.set(info);
                      return null;
                    })
                .start());
    assertThat(ask(server.connector())).isEqualTo("echo:hi");
    PeerCredentials expected =
        new PeerCredentials(ProcessHandle.current().pid(), SocketFiles.ownUid(), -1);
    PeerCredentials seen = server.clients().get(0).credentials();
    assertThat(seen).isNotNull();
    assertThat(seen.pid()).isEqualTo(expected.pid());
    assertThat(seen.uid()).isEqualTo(expected.uid());
    assertThat(seenByAuthenticator.get().credentials()).isEqualTo(seen);
  }

  @ParameterizedTest
  @ValueSource(strings = {"epoll", "junixsocket"})
  void aUidThatIsNotAllowedIsRefusedWithAReasonTheClientSees(String impl) {
    long me = SocketFiles.ownUid();
    long other = me + 12345;
    SimpleServer server = serve(on(impl, LocalConnector.unix(dir.resolve("g.sock")).allowUids(other)));
    SimpleClient client = track(SimpleClient.builder(server.connector()).start());
    StepVerifier.create(client.request("hi", String.class))
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(HandshakeRefusedException.class)
                    .hasMessageContaining("uid " + me)
                    .hasMessageContaining("allowed uids are [" + other + "]"))
        .verify(TIMEOUT);
    assertThat(server.clients()).isEmpty();
  }

  @Test
  void allowedUidsAndAnyUidAdmitTheClient() {
    long me = SocketFiles.ownUid();
    SimpleServer listed = serve(LocalConnector.unix(dir.resolve("h.sock")).allowUids(me, me + 1));
    assertThat(ask(listed.connector())).isEqualTo("echo:hi");
    SimpleServer any = serve(Connector.load("unix://" + dir.resolve("i.sock") + "?allow-uids=any"));
    assertThat(ask(any.connector())).isEqualTo("echo:hi");
  }

  @Test
  void theDefaultAdmitsOnlyTheSameUser() {
    PeerCheck check = new PeerCheck(java.util.Set.of(), 1000, "/x.sock");
    assertThat(check.refusal(new PeerCredentials(1, 1000, 1000))).isNull();
    assertThat(check.refusal(new PeerCredentials(7, 1001, 1001)))
        .contains("uid 1001 (pid 7)")
        .contains("only the server's own user (uid 1000)");
    assertThat(check.refusal(null)).contains("cannot read the peer's credentials");
  }
}
