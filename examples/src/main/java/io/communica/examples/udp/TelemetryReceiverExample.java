package io.communica.examples.udp;

import io.communica.core.Handler;
import io.communica.core.SimpleServer;
import io.communica.serializers.FixedLayoutSerializer;
import io.communica.udp.UdpConnector;
import io.communica.udp.UdpCounters;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * ipcpy-style telemetry over UDP: typed fixed-layout records in datagrams. The receiver binds a
 * free port, starts {@link TelemetrySenderExample} in a child JVM with the dumped string, counts
 * the readings that arrive, and answers the sender's status request. Run: {@code java -cp
 * <examples class path> io.communica.examples.udp.TelemetryReceiverExample}.
 */
public final class TelemetryReceiverExample {

  /** The messages of the telemetry library: each a record of primitives under an id. */
  public sealed interface Telemetry permits Reading, Status {}

  /** A sensor reading. */
  public record Reading(long micros, int sensor, double value) implements Telemetry {}

  /** How many readings the receiver has (the answer to a status request, which asks with -1). */
  public record Status(int readings) implements Telemetry {}

  /** Both sides register the same ids. */
  static final FixedLayoutSerializer TELEMETRY =
      FixedLayoutSerializer.builder().register(1, Reading.class).register(2, Status.class).build();

  private TelemetryReceiverExample() {}

  public static void main(String[] args) throws Exception {
    AtomicInteger readings = new AtomicInteger();
    UdpCounters before = UdpConnector.counters();
    try (SimpleServer receiver =
        SimpleServer.builder(UdpConnector.of("127.0.0.1", 0))
            .serializer(TELEMETRY)
            .handler(
                Handler.nonBlocking(
                    Telemetry.class,
                    t -> {
                      if (t instanceof Reading) {
                        readings.incrementAndGet();
                        return null;
                      }
                      return new Status(readings.get());
                    }))
            .start()) {
      String dumped = receiver.connector().dump();
      System.out.println("receiver: listening on " + dumped);
      Process sender =
          new ProcessBuilder(
                  List.of(
                      ProcessHandle.current().info().command().orElse("java"),
                      "-XX:TieredStopAtLevel=1",
                      "-Xmx128m",
                      "-cp",
                      System.getProperty("java.class.path"),
                      TelemetrySenderExample.class.getName(),
                      dumped))
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      try (BufferedReader out =
          new BufferedReader(new InputStreamReader(sender.getInputStream(), StandardCharsets.UTF_8))) {
        out.lines().forEach(line -> System.out.println("receiver collected: " + line));
      }
      System.out.println("receiver: sender exited with " + sender.waitFor());
      UdpCounters seen = UdpConnector.counters().minus(before);
      System.out.println(
          "receiver: " + readings.get() + " readings handled; datagrams received " + seen.received()
              + ", dropped " + seen.dropped());
    }
  }
}
