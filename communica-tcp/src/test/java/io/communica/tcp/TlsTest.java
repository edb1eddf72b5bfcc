package io.communica.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.RequestTimeoutException;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import io.netty.handler.ssl.OpenSsl;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
        StepVerifier.create(client.request("x", String.class, Duration.ofMillis(800)))
            .expectError(RequestTimeoutException.class)
            .verify(Duration.ofSeconds(20));
        assertThat(server.clients()).isEmpty();
      }
    }
  }
}
