/**
 * The RabbitMQ transport: {@link io.communica.amqp.AmqpConnector}. Everything but the connector
 * and its provider is internal.
 */
@NullMarked
package io.communica.amqp;

import org.jspecify.annotations.NullMarked;
