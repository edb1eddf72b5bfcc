package io.communica.amqp;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Names of the broker objects of one address (prefix {@code p}, address {@code a}):
 *
 * <pre>
 * p                      direct exchange; key "a.servers" reaches every server process of a
 * p.a                    durable queue the servers of a consume (competing consumers)
 * p.a.dead               durable dead-letter queue of a (bounded length)
 * p.a.client.ID          durable queue of client ID (expires when the client is gone for good)
 * p.a.server.INSTANCE    one server process's queue: broadcasts and replies to that process
 * </pre>
 */
final class Naming {

  final String exchange;
  final String addressQueue;
  final String deadLetterQueue;
  final String serversKey;
  private final String clientPrefix;
  private final String serverPrefix;

  Naming(AmqpConnector c) {
    String base = c.prefix() + "." + c.address();
    this.exchange = c.prefix();
    this.addressQueue = base;
    this.deadLetterQueue = base + ".dead";
    this.serversKey = c.address() + ".servers";
    this.clientPrefix = base + ".client.";
    this.serverPrefix = base + ".server.";
  }

  String clientQueue(String clientId) {
    return clientPrefix + encodeId(clientId);
  }

  String serverQueue(String instance) {
    return serverPrefix + instance;
  }

  /**
   * A client id as part of a queue name (at most 255 bytes in all): letters, digits, '-' and '_'
   * stay, every other byte of its UTF-8 form becomes '.' and two hex digits; an id whose encoding
   * is longer than 100 characters is cut and completed with a hash of the whole id.
   */
  static String encodeId(String id) {
    StringBuilder s = new StringBuilder(id.length());
    for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
        s.append((char) c);
      } else {
        s.append('.').append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
      }
    }
    if (s.length() <= 100) {
      return s.toString();
    }
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
      return s.substring(0, 60) + "~" + HexFormat.of().formatHex(hash, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
