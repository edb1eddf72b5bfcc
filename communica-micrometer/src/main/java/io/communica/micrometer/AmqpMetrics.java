package io.communica.micrometer;

import io.communica.amqp.AmqpCounters;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;

/**
 * Meters of {@code communica-amqp}'s broker traffic, process-wide ({@link AmqpCounters}): publisher
 * confirms by result and redeliveries. Needs {@code communica-amqp} on the class path.
 *
 * @since 0.2
 */
public final class AmqpMetrics {

  private AmqpMetrics() {}

  /** Registers {@code communica.amqp.confirms} and {@code communica.amqp.redeliveries}. */
  public static void bind(MeterRegistry registry, Iterable<Tag> tags) {
    Tags t = Tags.of(tags);
    FunctionCounter.builder(CommunicaMetrics.PREFIX + ".amqp.confirms", registry, r -> AmqpCounters.confirms())
        .tags(t)
        .tag("result", "ack")
        .description("messages the broker confirmed")
        .register(registry);
    FunctionCounter.builder(CommunicaMetrics.PREFIX + ".amqp.confirms", registry, r -> AmqpCounters.nacks())
        .tags(t)
        .tag("result", "nack")
        .description("messages the broker refused")
        .register(registry);
    FunctionCounter.builder(
            CommunicaMetrics.PREFIX + ".amqp.redeliveries", registry, r -> AmqpCounters.redeliveries())
        .tags(t)
        .description("deliveries the broker flagged as redelivered")
        .register(registry);
  }
}
