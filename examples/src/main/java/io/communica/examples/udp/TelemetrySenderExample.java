package io.communica.examples.udp;

import io.communica.core.Connector;
import io.communica.core.SimpleClient;
import io.communica.examples.udp.TelemetryReceiverExample.Reading;
import io.communica.examples.udp.TelemetryReceiverExample.Status;
import io.communica.udp.UdpConnector;
import java.time.Duration;

/**
 * The sender of {@link TelemetryReceiverExample}: fires a thousand readings, each one datagram of
 * 2 + 8 + 4 + 8 = 22 bytes of payload, then asks the receiver how many it has (a request, which
 * times out if it or its reply is lost, so it is retried).
 */
public final class TelemetrySenderExample {

  private TelemetrySenderExample() {}

  public static void main(String[] args) {
    try (SimpleClient sender =
        SimpleClient.builder(Connector.load(args[0]))
            .serializer(TelemetryReceiverExample.TELEMETRY)
            .start()) {
      for (int i = 0; i < 1000; i++) {
        sender.fireAndForget(new Reading(System.nanoTime() / 1000, i % 8, Math.sin(i))).block();
      }
      Status status =
          sender.request(new Status(-1), Status.class, Duration.ofMillis(500)).retry(5).block();
      System.out.println(
          "sender: fired 1000 readings; the receiver has " + status.readings()
              + "; datagrams sent " + UdpConnector.counters().sent());
    }
  }
}
