package io.communica.amqp;

import com.rabbitmq.client.Channel;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/** Declares the broker objects of an address (see {@link Naming}); every declaration is idempotent. */
final class Topology {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Topology.class);

  /** Length bound of a dead-letter queue: the oldest are dropped past it. */
  static final int DEAD_LETTER_MAX = 10_000;

  private Topology() {}

  /** The exchange, the address queue and its dead-letter queue. */
  static void declareAddress(Channel ch, AmqpConnector c, Naming n) throws IOException {
    ch.exchangeDeclare(n.exchange, "direct", true);
    Map<String, Object> dead = new HashMap<>();
    dead.put("x-max-length", DEAD_LETTER_MAX);
    putExpires(dead, c.addressExpires());
    declare(ch, n.deadLetterQueue, true, dead);
    declare(ch, n.addressQueue, true, addressArguments(c, n));
  }

  /**
   * The address queue's arguments. Every process of the address declares it with these, so they
   * must agree: a queue declared earlier with other arguments (another {@code maxLength} or {@code
   * addressExpires}, or by a version without a length bound) makes the declaration fail with an
   * error naming the queue; delete it or give it the same arguments.
   */
  static Map<String, Object> addressArguments(AmqpConnector c, Naming n) {
    Map<String, Object> args = deadLettered(n, c.addressExpires());
    args.put("x-max-length", c.maxLength());
    args.put("x-overflow", "reject-publish");
    return args;
  }

  /** A client's durable queue, removed by the broker when the client has been gone a while. */
  static void declareClient(Channel ch, AmqpConnector c, Naming n, String queue) throws IOException {
    declare(ch, queue, true, deadLettered(n, c.expires()));
  }

  /**
   * A server process's queue: not durable (a restarted broker forgets it; the process declares it
   * again), and expiring soon after the process died.
   */
  static void declareServer(Channel ch, AmqpConnector c, Naming n, String queue) throws IOException {
    Duration expires = c.liveness().multipliedBy(2);
    if (expires.toMillis() < 5000) {
      expires = Duration.ofSeconds(5);
    }
    declare(ch, queue, false, deadLettered(n, expires));
    ch.queueBind(queue, n.exchange, n.serversKey);
  }

  /** Deletes a queue on leaving; a failure is only logged (the queue then expires). */
  static void delete(Channel ch, String queue) {
    try {
      ch.queueDelete(queue);
    } catch (IOException | RuntimeException e) {
      log.debug("deleting {}: {}", queue, e.toString());
    }
  }

  /** A fresh name part for one server process. */
  static String instanceId() {
    return Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
  }

  private static Map<String, Object> deadLettered(Naming n, @Nullable Duration expires) {
    Map<String, Object> args = new HashMap<>();
    args.put("x-dead-letter-exchange", "");
    args.put("x-dead-letter-routing-key", n.deadLetterQueue);
    putExpires(args, expires);
    return args;
  }

  private static void putExpires(Map<String, Object> args, @Nullable Duration expires) {
    if (expires != null) {
      args.put("x-expires", expires.toMillis());
    }
  }

  private static void declare(Channel ch, String queue, boolean durable, Map<String, Object> args)
      throws IOException {
    try {
      ch.queueDeclare(queue, durable, false, false, args);
    } catch (IOException e) {
      throw new IOException(
          "cannot declare queue " + queue + " " + args + " (if it exists with other arguments,"
              + " 'inequivalent arg' below, every process of the address must use the same"
              + " options; delete the queue or choose another prefix): "
              + BrokerLink.messages(e),
          e);
    }
  }
}
