package io.communica.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.HandshakeRefusedException;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.netty.handler.ssl.OpenSsl;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.communica.test.LogCapture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

@Timeout(60)
class TlsTest {

  @TempDir static Path dir;
  static String ca;
  static String serverCert;
  static String serverKey;
  static String clientCert;
  static String clientKey;
  static String otherCa;
  static String foreignCert;
  static String foreignKey;
  static String expiredCert;
  static String expiredKey;
  /** A line from the middle of each private key's PEM: no log line may show one. */
  static List<String> keyLines = new ArrayList<>();

  @BeforeAll
  static void certificates() throws Exception {
    X509Bundle root =
        new CertificateBuilder().subject("CN=communica test CA").setIsCertificateAuthority(true)
            .ecp256().buildSelfSigned();
    X509Bundle server =
        new CertificateBuilder().subject("CN=localhost").addSanIpAddress("127.0.0.1")
            .addSanDnsName("localhost").ecp256().buildIssuedBy(root);
    X509Bundle client =
        new CertificateBuilder().subject("CN=client").ecp256().buildIssuedBy(root);
    X509Bundle other =
        new CertificateBuilder().subject("CN=someone else").setIsCertificateAuthority(true)
            .ecp256().buildSelfSigned();
    X509Bundle foreign =
        new CertificateBuilder().subject("CN=client of another CA").ecp256().buildIssuedBy(other);
    X509Bundle expired =
        new CertificateBuilder()
            .subject("CN=expired client")
            .notBefore(Instant.now().minus(Duration.ofDays(30)))
            .notAfter(Instant.now().minus(Duration.ofDays(1)))
            .ecp256()
            .buildIssuedBy(root);
    foreignCert = write("foreign.pem", foreign.getCertificatePathPEM());
    foreignKey = write("foreign.key", foreign.getPrivateKeyPEM());
    expiredCert = write("expired.pem", expired.getCertificatePathPEM());
    expiredKey = write("expired.key", expired.getPrivateKeyPEM());
    for (X509Bundle b : List.of(server, client, foreign, expired)) {
      keyLines.add(b.getPrivateKeyPEM().split("\n")[1].trim());
    }
    ca = write("ca.pem", root.getCertificatePEM());
    serverCert = write("server.pem", server.getCertificatePathPEM());
    serverKey = write("server.key", server.getPrivateKeyPEM());
    clientCert = write("client.pem", client.getCertificatePathPEM());
    clientKey = write("client.key", client.getPrivateKeyPEM());
    otherCa = write("other.pem", other.getCertificatePEM());
  }

  private static String write(String name, String pem) throws Exception {
    return Files.writeString(dir.resolve(name), pem).toString();
  }

  private static void roundTrip(TcpConnector.Builder serverSide, String clientParams) {
    try (SimpleServer server =
        SimpleServer.builder(serverSide.build())
            .handler(Handler.nonBlocking(String.class, s -> "secure " + s))
            .start()) {
      int port = ((TcpConnector) server.connector()).port();
      Connector clientSide = Connector.load("tcp://127.0.0.1:" + port + "?" + clientParams);
      try (SimpleClient client = SimpleClient.builder(clientSide).start()) {
        assertThat(client.request("hi", String.class).block(Duration.ofSeconds(20)))
            .isEqualTo("secure hi");
      }
    }
  }

  @Test
  void jdkProviderServerAndClient() {
    roundTrip(
        TcpConnector.builder("127.0.0.1", 0).certificate(serverCert, serverKey),
        "tls=true&ca=" + ca);
  }

  @Test
  void mutualTls() {
    roundTrip(
        TcpConnector.builder("127.0.0.1", 0).certificate(serverCert, serverKey).trust(ca),
        "tls=true&ca=" + ca + "&cert=" + clientCert + "&key=" + clientKey);
  }

  @Test
  void openSslProvider() {
    org.junit.jupiter.api.Assumptions.assumeTrue(OpenSsl.isAvailable(), "netty-tcnative not loadable");
    roundTrip(
        TcpConnector.builder("127.0.0.1", 0).certificate(serverCert, serverKey).provider("openssl"),
        "tls=true&provider=openssl&ca=" + ca);
  }

  /** A started mutual-TLS server: clients must present a certificate issued by {@code ca}. */
  private static SimpleServer mutualTlsServer() {
    return SimpleServer.builder(
            TcpConnector.builder("127.0.0.1", 0).certificate(serverCert, serverKey).trust(ca).build())
        .handler(Handler.nonBlocking(String.class, s -> s))
        .start();
  }

  /**
   * A client of {@code server} with the given extra options fails its call with {@link
   * HandshakeRefusedException} (at once, not at the call's timeout) whose message contains {@code
   * clientSees}; the server logged {@code serverLogs} and no private key.
   */
  private static void refused(String options, String clientSees, String serverLogs)
      throws InterruptedException {
    try (LogCapture logs = LogCapture.start();
        SimpleServer server = mutualTlsServer()) {
      int port = ((TcpConnector) server.connector()).port();
      try (SimpleClient client =
          SimpleClient.builder(Connector.load("tcp://127.0.0.1:" + port + options)).start()) {
        StepVerifier.create(client.request("x", String.class, Duration.ofSeconds(30)))
            .expectErrorSatisfies(
                e ->
                    assertThat(e)
                        .isInstanceOf(HandshakeRefusedException.class)
                        .hasMessageContaining(clientSees))
            .verify(Duration.ofSeconds(20));
      }
      assertThat(server.clients()).isEmpty();
      assertThat(logs.await(serverLogs, Duration.ofSeconds(10))).doesNotContain("PRIVATE KEY");
      for (String line : keyLines) {
        assertThat(logs.text()).doesNotContain(line);
      }
      // a refused TLS handshake is the TLS handlers' one line: it opened no session to close (the
      // client's session with the server, at the server's port, may log its close)
      assertThat(logs.text().lines().filter(l -> l.contains("connection with Session[")))
          .allMatch(l -> l.contains("Session[127.0.0.1:" + port + "]"));
    }
  }

  @Test
  void aClientCertificateFromAnotherCaIsRefused() throws Exception {
    // the JDK client offers only a certificate from a CA the server named, so this one sends none
    refused(
        "?tls=true&ca=" + ca + "&cert=" + foreignCert + "&key=" + foreignKey,
        "refused this client's TLS certificate",
        "TLS handshake with 127.0.0.1:");
  }

  @Test
  void anExpiredClientCertificateIsRefused() throws Exception {
    refused(
        "?tls=true&ca=" + ca + "&cert=" + expiredCert + "&key=" + expiredKey,
        "refused this client's TLS certificate",
        "validity check failed");
  }

  @Test
  void aClientWithoutCertificateIsRefused() throws Exception {
    refused("?tls=true&ca=" + ca, "requires a client certificate", "TLS handshake with 127.0.0.1:");
  }

  @Test
  void aPlaintextClientIsToldThatTheServerRequiresTls() throws Exception {
    refused("", "this server requires TLS", "plaintext client at 127.0.0.1:");
  }

  @Test
  void bytesThatAreNeitherTlsNorCommunicaAreClosedAndLogged() throws Exception {
    try (LogCapture logs = LogCapture.start();
        SimpleServer server = mutualTlsServer()) {
      int port = ((TcpConnector) server.connector()).port();
      try (RawPeer peer = new RawPeer(port)) {
        peer.send("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        peer.readUntilClosed();
      }
      logs.await("speaks neither TLS nor communica", Duration.ofSeconds(10));
    }
  }

  @Test
  void untrustedServerIsNeverConnected() {
    try (SimpleServer server =
        SimpleServer.builder(
                TcpConnector.builder("127.0.0.1", 0).certificate(serverCert, serverKey).build())
            .handler(Handler.nonBlocking(String.class, s -> s))
            .start()) {
      int port = ((TcpConnector) server.connector()).port();
      try (SimpleClient client =
          SimpleClient.builder(Connector.load("tcp://127.0.0.1:" + port + "?tls=true&ca=" + otherCa))
              .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(100))
              .start()) {
        StepVerifier.create(client.request("x", String.class, Duration.ofSeconds(30)))
            .expectErrorSatisfies(
                e ->
                    assertThat(e)
                        .isInstanceOf(HandshakeRefusedException.class)
                        .hasMessageContaining("TLS handshake with 127.0.0.1:" + port + " failed"))
            .verify(Duration.ofSeconds(20));
        assertThat(server.clients()).isEmpty();
      }
    }
  }
}
