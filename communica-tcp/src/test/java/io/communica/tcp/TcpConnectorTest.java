package io.communica.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.communica.core.ClientEvent;
import io.communica.core.ClientInfo;
import io.communica.core.Connector;
import io.communica.core.SharedToken;
import io.communica.core.Handler;
import io.communica.core.HandlerFailedException;
import io.communica.core.SimpleClient;
import io.communica.core.SimpleServer;
import java.net.InetAddress;
import java.net.Inet6Address;
import java.net.NetworkInterface;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

@Timeout(30)
class TcpConnectorTest {

  @Test
  void dumpAndLoadRoundTripEveryOption() {
    for (TcpConnector c :
        new TcpConnector[] {
          TcpConnector.of("127.0.0.1", 8000),
          TcpConnector.of("localhost", 1),
          TcpConnector.of("::1", 65535),
          TcpConnector.builder("example.org", 8443).tls().build(),
          TcpConnector.builder("example.org", 8443).trust("/etc/app/ca.pem").build(),
          TcpConnector.builder("0.0.0.0", 8443)
              .certificate("/etc/app/server.pem", "/etc/app/server key.pem")
              .trust("/etc/app/clients ca.pem")
              .provider("openssl")
              .build(),
          TcpConnector.builder("10.0.0.1", 1)
              .certificate("/tmp/ünïcode/cert.pem", "/tmp/ünïcode/key.pem")
              .build(),
          TcpConnector.builder("127.0.0.1", 1).token(SharedToken.fromEnv("APP_TOKEN")).build(),
          TcpConnector.builder("127.0.0.1", 1)
              .tls()
              .token(SharedToken.fromFile(java.nio.file.Path.of("/etc/app/my token")))
              .build(),
        }) {
      String dumped = c.dump();
      assertThat(dumped).matches("\\p{ASCII}+").doesNotContain(" ");
      Connector loaded = Connector.load(dumped);
      assertThat(loaded).isInstanceOf(TcpConnector.class).isEqualTo(c);
      assertThat(loaded.dump()).isEqualTo(dumped);
    }
    assertThat(TcpConnector.of("::1", 5).dump()).isEqualTo("tcp://[::1]:5");
    assertThat(((TcpConnector) Connector.load("tcp://[::1]:5")).host()).isEqualTo("::1");
  }

  @Test
  void malformedStringsGetClearErrors() {
    assertThatThrownBy(() -> Connector.load("tcp://127.0.0.1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs a port");
    assertThatThrownBy(() -> Connector.load("tcp://127.0.0.1:99999"))
        .hasMessageContaining("out of range");
    assertThatThrownBy(() -> Connector.load("tcp://127.0.0.1:80?tls=true&colour=blue"))
        .hasMessageContaining("unknown option 'colour'")
        .hasMessageContaining("[ca, cert, key, provider, tls, tokenEnv, tokenFile]");
    assertThatThrownBy(() -> Connector.load("tcp://127.0.0.1:80?tls=maybe"))
        .hasMessageContaining("must be true or false");
    assertThatThrownBy(() -> Connector.load("tcp://127.0.0.1:80?cert=/a.pem"))
        .hasMessageContaining("need tls=true");
    assertThatThrownBy(() -> Connector.load("tcp://hôst:80"))
        .hasMessageContaining("not printable ASCII");
    assertThatThrownBy(() -> Connector.load("tcp://::1:80"))
        .hasMessageContaining("brackets");
    assertThatThrownBy(() -> Connector.load("tcp://host:80/path"))
        .hasMessageContaining("no path");
    assertThatThrownBy(() -> Connector.load("tcp://127.0.0.1:80?provider=bouncy"))
        .hasMessageContaining("jdk or openssl");
  }

  @Test
  void ipv6Loopback() throws Exception {
    boolean hasV6 =
        Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
            .flatMap(i -> Collections.list(i.getInetAddresses()).stream())
            .anyMatch(a -> a instanceof Inet6Address && a.isLoopbackAddress());
    org.junit.jupiter.api.Assumptions.assumeTrue(hasV6, "no IPv6 loopback on this machine");
    try (SimpleServer server =
            SimpleServer.builder(TcpConnector.of("::1", 0))
                .handler(Handler.nonBlocking(String.class, s -> "v6 " + s))
                .start();
        SimpleClient client = SimpleClient.builder(Connector.load(server.connector().dump())).start()) {
      assertThat(server.connector().dump()).startsWith("tcp://[::1]:");
      assertThat(client.request("hi", String.class).block(Duration.ofSeconds(10))).isEqualTo("v6 hi");
      assertThat(server.clients().get(0).remoteAddress()).startsWith("[::1]:");
    }
    assertThat(InetAddress.getByName("::1").isLoopbackAddress()).isTrue();
  }

  @Test
  void aClientsInfoStaysTheSameFromItsConnectionToItsDisconnection() throws Exception {
    AtomicReference<ClientInfo> authenticated = new AtomicReference<>();
    try (SimpleServer server =
        SimpleServer.builder(TcpConnector.of("127.0.0.1", 0))
            .authenticator(
                (client, credentials) -> {
                  authenticated.set(client);
                  return null;
                })
            .handler(Handler.nonBlocking(String.class, s -> s))
            .start()) {
      BlockingQueue<ClientEvent> events = new LinkedBlockingQueue<>();
      server.events().subscribe(events::add);
      Instant before = Instant.now();
      ClientInfo info;
      try (SimpleClient client =
          SimpleClient.builder(server.connector()).clientId("info").start()) {
        ClientEvent connected = events.poll(10, TimeUnit.SECONDS);
        Instant after = Instant.now();
        assertThat(connected).isNotNull();
        assertThat(connected.type()).isEqualTo(ClientEvent.Type.CONNECTED);
        info = connected.client();
        // the info the authenticator was given at the handshake, as the server gives it since
        assertThat(info).isEqualTo(authenticated.get());
        assertThat(info.clientId()).isEqualTo("info");
        assertThat(info.remoteAddress()).matches("127\\.0\\.0\\.1:\\d+");
        assertThat(info.credentials()).isNull();
        assertThat(info.connectedAt()).isBetween(before, after);
        assertThat(client.request("hi", String.class).block(Duration.ofSeconds(10)))
            .isEqualTo("hi");
        assertThat(server.clients()).containsExactly(info);
        assertThat(server.clientIds()).containsExactly("info");
      }
      ClientEvent gone = events.poll(10, TimeUnit.SECONDS);
      assertThat(gone).isNotNull();
      assertThat(gone.type()).isEqualTo(ClientEvent.Type.DISCONNECTED);
      // the same address and time after the connection closed as while it was open
      assertThat(gone.client()).isEqualTo(info);
      assertThat(server.clients()).isEmpty();
      assertThat(server.clientIds()).isEmpty();
    }
  }

  @Test
  void secondServerOnABoundPortFailsClearly() {
    try (SimpleServer first =
        SimpleServer.builder(TcpConnector.of("127.0.0.1", 0))
            .handler(Handler.nonBlocking(String.class, s -> s))
            .start()) {
      SimpleServer second =
          SimpleServer.builder(first.connector()).handler(Handler.nonBlocking(String.class, s -> s)).build();
      assertThatThrownBy(second::start).hasMessageContaining("Address already in use");
    }
  }

  @Test
  void aHandlerThatBlocksOnTheIoThreadIsToldToUseABlockingHandler() {
    try (SimpleServer server =
            SimpleServer.builder(TcpConnector.of("127.0.0.1", 0))
                .handler(
                    Handler.nonBlocking(
                        String.class,
                        s -> Mono.just(s).delayElement(Duration.ofMillis(1)).block()))
                .start();
        SimpleClient client = SimpleClient.builder(server.connector()).start()) {
      assertThatThrownBy(() -> client.request("x", String.class).block(Duration.ofSeconds(10)))
          .isInstanceOf(HandlerFailedException.class)
          .hasMessageContaining("use Handler.blocking(...)");
    }
  }
}
