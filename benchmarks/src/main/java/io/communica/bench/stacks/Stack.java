package io.communica.bench.stacks;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/** One thing under measurement: communica, the raw floor, RSocket-java, or raw amqp-client. */
public interface Stack {

  /** The name used on the command line, in results and in tables. */
  String name();

  /** The transports this stack runs on, e.g. {@code tcp}. */
  Set<String> transports();

  /**
   * Binds a server on loopback. {@code bind} is a connector string such as {@code
   * tcp://127.0.0.1:0} or {@code unix:///tmp/x/bench.sock}; {@code received} counts every data
   * message (request or fire-and-forget) the server receives.
   */
  BenchServer serve(String bind, LongAdder received) throws Exception;

  /** Whether this stack has request-stream ({@link BenchClient#startStream}). */
  default boolean streams() {
    return false;
  }

  /**
   * Whether the client is reactive, so that the {@code flat<N>} cases apply ({@link
   * BenchClient#startFlatMap}).
   */
  default boolean reactive() {
    return false;
  }

  /**
   * Whether the child JVMs of this stack run on a class path of its own ({@code
   * target/lib-rsocket}, beside this module's classes) rather than this module's: RSocket as its
   * users get it, with the Netty line it was built for.
   */
  default boolean ownClassPath() {
    return false;
  }

  /**
   * Whether this stack has the memory modes ({@code idle<N>}, {@code long<N>}): its server answers
   * {@link #memoryRequest} with a {@link Memory} reading and counts its connections, and its client
   * opens idle connections ({@link BenchClient#openIdle}).
   */
  default boolean memoryModes() {
    return false;
  }

  /** Connects a client to a server's {@link BenchServer#address()}. */
  BenchClient connect(String address) throws Exception;

  /** Every stack's name, in the order tables show them. */
  List<String> NAMES =
      List.of(
          "communica",
          "floor",
          "rsocket",
          "communica-reactive",
          "communica-payload",
          "ringfloor",
          "rsocket-shared",
          "amqp-raw");

  /**
   * The stack called {@code name}. Only that stack's class is loaded, so that a child JVM on a class
   * path of its own ({@link #ownClassPath()}) needs nothing of the others.
   */
  static Stack named(String name) {
    return switch (name) {
      case "communica" -> new CommunicaStack(false);
      case "communica-reactive" -> new CommunicaStack(true);
      case "communica-payload" -> new CommunicaStack(false, true);
      case "floor" -> new FloorStack();
      case "rsocket" -> new RSocketStack(true);
      case "rsocket-shared" -> new RSocketStack(false);
      case "ringfloor" -> new RingFloorStack();
      case "amqp-raw" -> new AmqpRawStack();
      default -> throw new IllegalArgumentException("unknown stack '" + name + "'; known: " + NAMES);
    };
  }

  /** The payload of a control request that asks a server for its {@link Snapshot}. */
  static boolean isControl(byte[] data) {
    return data.length == 1 && data[0] == 0;
  }

  /** The control request. */
  byte[] CONTROL = {0};

  /**
   * The control request that asks a server for its {@link Memory}; {@code how} is {@link
   * Memory#NO_GC}, {@link Memory#GC} or {@link Memory#HISTOGRAM}. (Data payloads are at least 8
   * bytes, so neither control request is ever taken for one.)
   */
  static byte[] memoryRequest(byte how) {
    return new byte[] {1, how};
  }

  /** Whether {@code data} is a {@link #memoryRequest}. */
  static boolean isMemory(byte[] data) {
    return data.length == 2 && data[0] == 1;
  }
}
