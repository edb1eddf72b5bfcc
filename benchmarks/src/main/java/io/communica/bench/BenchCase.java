package io.communica.bench;

import java.util.List;
import java.util.Locale;

/**
 * One measurement: a stack on a transport with a payload size and a workload. Its {@link #id()},
 * e.g. {@code communica/tcp/64/tp256}, names it on the command line and in results.
 *
 * @param stack {@code communica}, {@code floor}, {@code rsocket}, ...
 * @param transport {@code tcp}, {@code unix}, {@code amqp}
 * @param payload payload bytes per message
 * @param mode {@code latency}, {@code tp<N>} (N requests in flight, each reply issuing the next),
 *     {@code flat<N>} (N in flight as users write it: {@code Flux.range(...).flatMap(i ->
 *     request(...), N)}), {@code fnf}, {@code stream}, or a memory mode: {@code idle<N>} (N idle
 *     connections, e.g. {@code idle10k}) or {@code long<N>} (N requests on one connection, 256 in
 *     flight, e.g. {@code long100M})
 */
public record BenchCase(String stack, String transport, int payload, String mode) {

  /**
   * Workloads in table order, those run by default. {@code stream} (a request-stream of items
   * requested in batches, counted as received by the subscriber) runs when asked for ({@code
   * --modes stream}) on the stacks that have streams.
   */
  public static final List<String> MODES = List.of("latency", "tp1", "tp64", "tp256", "fnf");

  public BenchCase {
    if (payload < 8) {
      throw new IllegalArgumentException("payload must be at least 8 bytes: " + payload);
    }
    kindOf(mode);
  }

  /** The workload kinds. */
  public enum Kind {
    /** Sequential blocking requests, each one's latency recorded. */
    LATENCY,
    /** N requests kept in flight, each reply issuing the next. */
    THROUGHPUT,
    /** Fire-and-forget messages within a bounded backlog, counted as received by the server. */
    FIRE_AND_FORGET,
    /** One request-stream without end, its items counted as the subscriber receives them. */
    STREAM,
    /**
     * Memory: the server's heap-after-GC and resident set before and after N idle connections are
     * opened to it, per connection.
     */
    IDLE,
    /**
     * Memory: N requests on one connection, 256 in flight, with both sides' heap-after-GC at the
     * start (after the warm-up) and at the end.
     */
    LONG
  }

  /** Requests in flight in a {@code long<N>} run. */
  public static final int LONG_IN_FLIGHT = 256;

  /** Whether {@code mode} is a memory mode ({@code idle<N>}, {@code long<N>}). */
  public static boolean isMemory(String mode) {
    return mode.startsWith("idle") || mode.startsWith("long");
  }

  /** Items a stream subscriber requests at first; then half of it each time it took half. */
  public static final int STREAM_BATCH = 256;

  private static Kind kindOf(String mode) {
    if (mode.equals("latency")) {
      return Kind.LATENCY;
    }
    if (mode.equals("fnf")) {
      return Kind.FIRE_AND_FORGET;
    }
    if (mode.equals("stream")) {
      return Kind.STREAM;
    }
    if (isMemory(mode)) {
      if (count(mode.substring(4)) > 0) {
        return mode.startsWith("idle") ? Kind.IDLE : Kind.LONG;
      }
    } else if (mode.startsWith("tp") || mode.startsWith("flat")) {
      try {
        if (Integer.parseInt(mode.substring(mode.startsWith("tp") ? 2 : 4)) > 0) {
          return Kind.THROUGHPUT;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    throw new IllegalArgumentException(
        "unknown mode '"
            + mode
            + "': latency, tp<N> (N requests in flight), flat<N> (N in flight through flatMap),"
            + " fnf, stream, idle<N> (N idle connections) or long<N> (N requests on one"
            + " connection); N may end in k or M");
  }

  /** {@code 50}, {@code 10k}, {@code 100M}; 0 if it is none of these. */
  static long count(String n) {
    long unit = n.endsWith("k") ? 1_000 : n.endsWith("M") ? 1_000_000 : 1;
    String digits = unit == 1 ? n : n.substring(0, n.length() - 1);
    if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit) || digits.length() > 12) {
      return 0;
    }
    return Long.parseLong(digits) * unit;
  }

  /** The N of a memory mode: idle connections, or requests of a long run. */
  public long count() {
    if (!isMemory(mode)) {
      throw new IllegalStateException("not a memory mode: " + mode);
    }
    return count(mode.substring(4));
  }

  /** Parses {@link #id()}. */
  public static BenchCase parse(String id) {
    String[] f = id.split("/");
    if (f.length != 4) {
      throw new IllegalArgumentException("case id is stack/transport/payload/mode: " + id);
    }
    return new BenchCase(f[0], f[1], Integer.parseInt(f[2]), f[3]);
  }

  /** {@code stack/transport/payload/mode}. */
  public String id() {
    return stack + "/" + transport + "/" + payload + "/" + mode;
  }

  /** The workload kind. */
  public Kind kind() {
    return kindOf(mode);
  }

  /** Requests kept in flight: 1 for latency, N for {@code tpN}, 0 for fire-and-forget and streams. */
  public int inFlight() {
    return switch (kind()) {
      case LATENCY -> 1;
      case THROUGHPUT -> Integer.parseInt(mode.substring(flatMap() ? 4 : 2));
      case LONG -> LONG_IN_FLIGHT;
      case FIRE_AND_FORGET, STREAM, IDLE -> 0;
    };
  }

  /**
   * Whether the requests in flight are issued the way users write it, through {@code
   * Flux.flatMap} with N as its concurrency, rather than each reply issuing the next request.
   */
  public boolean flatMap() {
    return mode.startsWith("flat");
  }

  /** Payload size for people: {@code 64 B}, {@code 4 KiB}, {@code 16 MiB}. */
  public static String size(int bytes) {
    if (bytes % (1024 * 1024) == 0) {
      return bytes / (1024 * 1024) + " MiB";
    }
    return bytes % 1024 == 0 ? bytes / 1024 + " KiB" : bytes + " B";
  }

  /** The workload for people: {@code latency}, {@code 256 in flight}, {@code fire-and-forget}. */
  public static String describeMode(String mode) {
    return switch (mode) {
      case "latency" -> "latency (1 in flight)";
      case "fnf" -> "fire-and-forget";
      case "stream" -> "request-stream, batches of " + STREAM_BATCH;
      default -> {
        if (mode.startsWith("idle")) {
          yield mode.substring(4) + " idle connections";
        }
        if (mode.startsWith("long")) {
          yield mode.substring(4) + " requests, " + LONG_IN_FLIGHT + " in flight";
        }
        yield mode.startsWith("flat")
            ? mode.substring(4) + " in flight (flatMap)"
            : mode.substring(2) + " in flight";
      }
    };
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT, "%s %s %s %s", stack, transport, size(payload), describeMode(mode));
  }
}
