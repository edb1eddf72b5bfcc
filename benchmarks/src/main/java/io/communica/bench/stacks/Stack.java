package io.communica.bench.stacks;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/** One thing under measurement: communica, the raw floor, or RSocket-java. */
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

  /** Connects a client to a server's {@link BenchServer#address()}. */
  BenchClient connect(String address) throws Exception;

  /** Every stack, in the order tables show them. */
  static List<Stack> all() {
    return List.of(
        new CommunicaStack(false), new FloorStack(), new RSocketStack(), new CommunicaStack(true),
        new CommunicaStack(false, true));
  }

  /** The stack called {@code name}. */
  static Stack named(String name) {
    return all().stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown stack '" + name + "'; known: "
                        + all().stream().map(Stack::name).toList()));
  }

  /** The payload of a control request that asks a server for its {@link Snapshot}. */
  static boolean isControl(byte[] data) {
    return data.length == 1 && data[0] == 0;
  }

  /** The control request. */
  byte[] CONTROL = {0};
}
