package io.communica.test.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.HandshakeRefusedException;
import io.communica.core.SharedToken;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.communica.test.LogCapture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.test.StepVerifier;

/**
 * Token authentication ({@link SharedToken}, {@code tokenEnv=}/{@code tokenFile=} in the
 * connector string) as tests, for every transport that takes the options. A transport implements
 * {@link #serverConnector()} and {@link #withToken}; its surefire configuration sets the
 * environment variable {@value #ENV} to a secret of its choice:
 *
 * <pre>{@code
 * class TcpTokenTest implements TokenContract {
 *   public Connector serverConnector() { return TcpConnector.of("127.0.0.1", 0); }
 *   public Connector withToken(Connector c, SharedToken t) {
 *     return Connector.load(c.dump() + "?" + t.option());
 *   }
 * }
 * }</pre>
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public interface TokenContract {

  /** The environment variable that holds the server's secret in these tests. */
  String ENV = "COMMUNICA_TEST_TOKEN";

  Duration TIMEOUT = Duration.ofSeconds(15);

  /** Everything a test opened, closed after it. */
  List<AutoCloseable> OPEN = Collections.synchronizedList(new ArrayList<>());

  /** A connector for a new server on a fresh address, without token. */
  Connector serverConnector();

  /** {@code connector} with {@code token} added. */
  Connector withToken(Connector connector, SharedToken token);

  @AfterEach
  default void closeOpened() throws Exception {
    List<AutoCloseable> copy;
    synchronized (OPEN) {
      copy = new ArrayList<>(OPEN);
      OPEN.clear();
    }
    Collections.reverse(copy);
    for (AutoCloseable c : copy) {
      c.close();
    }
  }

  private static String secret() {
    String s = System.getenv(ENV);
    assertThat(s)
        .as("the environment variable " + ENV + " (set it in the module's surefire configuration)")
        .isNotBlank();
    return s;
  }

  private static <T extends AutoCloseable> T open(T item) {
    OPEN.add(item);
    return item;
  }

  private static Path tempDir() throws IOException {
    Path dir = Files.createTempDirectory("communica-token");
    OPEN.add(
        () -> {
          try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
              Files.deleteIfExists(p);
            }
          }
        });
    return dir;
  }

  private static Path file(String content) throws IOException {
    return Files.writeString(tempDir().resolve("token"), content, StandardCharsets.UTF_8);
  }

  /** A started server that requires the secret of {@link #ENV}. */
  private SimpleServer server() {
    return open(
        SimpleServer.builder(withToken(serverConnector(), SharedToken.fromEnv(ENV)))
            .serializer(ContractSerializer.INSTANCE)
            .handler(Handler.nonBlocking(String.class, s -> "ok " + s))
            .start());
  }

  /** The server's bound address with the token options taken out: what a client without one has. */
  private static Connector withoutToken(SimpleServer server) {
    Connector bound = server.connector();
    String option = bound.token().option();
    String dump =
        bound.dump().replace("?" + option + "&", "?").replace("&" + option, "")
            .replace("?" + option, "");
    return Connector.load(dump);
  }

  private static SimpleClient client(Connector connector) {
    return open(SimpleClient.builder(connector).serializer(ContractSerializer.INSTANCE).start());
  }

  @Test
  default void aClientWithTheRightTokenIsServed() throws IOException {
    SimpleServer server = server();
    assertThat(server.connector().dump()).contains("tokenEnv=" + ENV).doesNotContain(secret());
    // a child process loads the dump and finds the secret in the same variable
    SimpleClient viaEnv = client(Connector.load(server.connector().dump()));
    assertThat(viaEnv.request("a", String.class).block(TIMEOUT)).isEqualTo("ok a");
    // or in a file, whose trailing line break is not part of the secret
    Connector viaFile =
        withToken(withoutToken(server), SharedToken.fromFile(file(secret() + "\n")));
    assertThat(client(viaFile).request("b", String.class).block(TIMEOUT)).isEqualTo("ok b");
    assertThat(server.clients()).hasSize(2);
  }

  @Test
  default void aClientWithAWrongTokenIsRefusedAndNoTokenIsLogged()
      throws IOException, InterruptedException {
    String wrong = "wrong-" + secret().hashCode() + "-token";
    SimpleServer server = server();
    try (LogCapture logs = LogCapture.start()) {
      Connector bad = withToken(withoutToken(server), SharedToken.fromFile(file(wrong)));
      assertThat(bad.toString()).doesNotContain(wrong);
      StepVerifier.create(client(bad).request("x", String.class))
          .expectErrorSatisfies(
              e ->
                  assertThat(e)
                      .isInstanceOf(HandshakeRefusedException.class)
                      .hasMessageContaining("wrong token")
                      .message()
                      .doesNotContain(wrong)
                      .doesNotContain(secret()))
          .verify(TIMEOUT);
      assertThat(server.clients()).isEmpty();
      // the server logs its close after the client read the REFUSE
      assertThat(logs.await("handshake refused: wrong token", TIMEOUT))
          .doesNotContain(wrong)
          .doesNotContain(secret());
    }
  }

  @Test
  default void aClientWithoutATokenIsRefusedWithAReason() {
    SimpleServer server = server();
    StepVerifier.create(client(withoutToken(server)).request("x", String.class))
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(HandshakeRefusedException.class)
                    .hasMessageContaining("requires a token"))
        .verify(TIMEOUT);
    assertThat(server.clients()).isEmpty();
  }

  @Test
  default void aMissingOrUnreadableSecretFailsTheBuildNamingWhereItWasLookedFor()
      throws IOException {
    Path missing = tempDir().resolve("no-such-token");
    Path directory = tempDir();
    Path empty = file("\n");
    String unset = "COMMUNICA_TEST_TOKEN_THAT_IS_NOT_SET";
    for (SharedToken token :
        List.of(
            SharedToken.fromFile(missing),
            SharedToken.fromFile(directory),
            SharedToken.fromFile(empty),
            SharedToken.fromEnv(unset))) {
      Connector c = withToken(serverConnector(), token);
      String where = token.toString().replaceFirst("^token from (file|environment variable) ", "");
      assertThatThrownBy(() -> SimpleServer.builder(c).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(where);
      assertThatThrownBy(() -> SimpleClient.builder(c).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(where);
    }
  }

  @Test
  default void credentialsBesideATokenFailTheBuild() {
    Connector c = withToken(serverConnector(), SharedToken.fromEnv(ENV));
    assertThatThrownBy(() -> SimpleClient.builder(c).credentials("other").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("credentials")
        .message()
        .doesNotContain(secret());
  }

  @Test
  default void aStringThatHoldsTheTokenItselfIsRejectedWithoutShowingIt() {
    Connector plain = serverConnector();
    String dump = plain.dump();
    String withSecret = dump + (dump.contains("?") ? "&" : "?") + "token=" + "s3cr3t-in-string";
    assertThatThrownBy(() -> Connector.load(withSecret))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tokenEnv")
        .message()
        .doesNotContain("s3cr3t-in-string");
  }
}
