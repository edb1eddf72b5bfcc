package io.communica.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.Connector;
import io.communica.tcp.TcpConnector;
import org.junit.jupiter.api.Test;

class TcpHubTest extends HubSuite {
  @Test
  void theDefaultByteBoundIsAQuarterOfTheHeapAtMost256MiB() {
    long mib = 1024 * 1024;
    assertThat(Hub.Builder.defaultMaxBufferedBytes(256 * mib)).isEqualTo(64 * mib);
    assertThat(Hub.Builder.defaultMaxBufferedBytes(4096 * mib)).isEqualTo(256 * mib);
    assertThat(Hub.Builder.defaultMaxBufferedBytes(Long.MAX_VALUE)).isEqualTo(256 * mib);
  }

  @Override
  Connector hubConnector() {
    return TcpConnector.of("127.0.0.1", 0);
  }
}
