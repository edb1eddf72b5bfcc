package io.communica.hub;

import io.communica.core.Connector;
import io.communica.test.loopback.LoopbackConnector;
import java.util.UUID;

class LoopbackHubTest extends HubSuite {
  @Override
  Connector hubConnector() {
    return LoopbackConnector.named("hub-" + UUID.randomUUID());
  }

  /** The full run is TCP's; here the same test with fewer. */
  @Override
  int floodEvents() {
    return Math.min(10_000, FLOOD_EVENTS);
  }
}
