package io.communica.bench;

import org.jspecify.annotations.Nullable;

/**
 * The outcome of one case in one round, as written to the results file.
 *
 * @param id the case id, {@code stack/transport/payload/mode}
 * @param stack the stack
 * @param transport the transport
 * @param payload payload bytes
 * @param mode the workload
 * @param inFlight requests kept in flight (0 for fire-and-forget)
 * @param round the round (1-based); 0 in a summary, where every figure is the median of the rounds
 * @param seconds length of the measured window (the server's clock for fire-and-forget)
 * @param operations replies received, or for fire-and-forget messages received by the server
 * @param opsPerSec operations per second
 * @param sentPerSec fire-and-forget: messages per second the client's transport took (else 0)
 * @param latencyUs latency percentiles in microseconds (latency mode only)
 * @param client the client process over the window
 * @param server the server process over the window
 * @param otherCores CPU the rest of the machine used during the window, in cores (other
 *     processes competing with the measurement; -1 where unknown)
 * @param errors failed operations
 * @param error the first failure, if any
 * @param memory the memory modes' readings ({@code idle<N>}, {@code long<N>}); null for the others
 */
public record CaseResult(
    String id,
    String stack,
    String transport,
    int payload,
    String mode,
    int inFlight,
    int round,
    double seconds,
    long operations,
    double opsPerSec,
    double sentPerSec,
    @Nullable Latency latencyUs,
    Usage client,
    Usage server,
    double otherCores,
    long errors,
    @Nullable String error,
    @Nullable MemoryUse memory) {

  /**
   * What a memory mode read, in bytes: the server's and the client's heap (after two full
   * collections) and resident set (VmRSS) before and after, and what follows from them.
   *
   * @param connections idle connections opened ({@code idle<N>}); 1 for a long run
   * @param requests requests between the two readings ({@code long<N>}); 0 for idle
   * @param serverHeapBefore server heap after GC, before
   * @param serverHeapAfter server heap after GC, after
   * @param serverRssBefore server resident set, before
   * @param serverRssAfter server resident set, after
   * @param clientHeapBefore client heap after GC, before
   * @param clientHeapAfter client heap after GC, after
   * @param clientRssBefore client resident set, before
   * @param clientRssAfter client resident set, after
   * @param serverHeapPerConnection idle: (server heap after - before) / connections
   * @param serverRssPerConnection idle: (server RSS after - before) / connections
   * @param clientHeapPerConnection idle: (client heap after - before) / connections
   * @param clientRssPerConnection idle: (client RSS after - before) / connections
   * @param serverHeapRatio server heap after / before (a long run's end over its start)
   * @param clientHeapRatio client heap after / before
   */
  public record MemoryUse(
      long connections,
      long requests,
      long serverHeapBefore,
      long serverHeapAfter,
      long serverRssBefore,
      long serverRssAfter,
      long clientHeapBefore,
      long clientHeapAfter,
      long clientRssBefore,
      long clientRssAfter,
      double serverHeapPerConnection,
      double serverRssPerConnection,
      double clientHeapPerConnection,
      double clientRssPerConnection,
      double serverHeapRatio,
      double clientHeapRatio) {

    /** The figures of these readings, taken before and after. */
    public static MemoryUse of(
        long connections,
        long requests,
        long serverHeapBefore,
        long serverHeapAfter,
        long serverRssBefore,
        long serverRssAfter,
        long clientHeapBefore,
        long clientHeapAfter,
        long clientRssBefore,
        long clientRssAfter) {
      double n = Math.max(1, connections);
      return new MemoryUse(
          connections, requests, serverHeapBefore, serverHeapAfter, serverRssBefore,
          serverRssAfter, clientHeapBefore, clientHeapAfter, clientRssBefore, clientRssAfter,
          (serverHeapAfter - serverHeapBefore) / n,
          (serverRssAfter - serverRssBefore) / n,
          (clientHeapAfter - clientHeapBefore) / n,
          (clientRssAfter - clientRssBefore) / n,
          serverHeapBefore <= 0 ? 0 : (double) serverHeapAfter / serverHeapBefore,
          clientHeapBefore <= 0 ? 0 : (double) clientHeapAfter / clientHeapBefore);
    }
  }

  /**
   * Latency percentiles, microseconds.
   *
   * @param p50 median
   * @param p90 90th percentile
   * @param p99 99th percentile
   * @param p999 99.9th percentile
   * @param max largest
   * @param mean mean
   * @param samples requests recorded
   */
  public record Latency(
      double p50, double p90, double p99, double p999, double max, double mean, long samples) {}

  /**
   * What one process used over the window.
   *
   * @param cpuSeconds CPU time, all threads
   * @param cores CPU time per second of the window (1.0 = one core busy)
   * @param cpuUsPerOp CPU microseconds per operation
   * @param gcCount garbage collections
   * @param gcMillis time in garbage collections
   * @param jitMillis time the JIT compilers spent in the window, summed over their threads
   *     (roughly, a share of {@code cpuSeconds}; a window in which they compiled much measured code
   *     not yet compiled), -1 when the JVM does not say; 0 in results files written before it
   */
  public record Usage(
      double cpuSeconds,
      double cores,
      double cpuUsPerOp,
      long gcCount,
      long gcMillis,
      long jitMillis) {}

  /** The case this result is of. */
  public BenchCase benchCase() {
    return new BenchCase(stack, transport, payload, mode);
  }

  /** The same result with the memory readings {@code m}. */
  public CaseResult withMemory(@Nullable MemoryUse m) {
    return new CaseResult(
        id, stack, transport, payload, mode, inFlight, round, seconds, operations, opsPerSec,
        sentPerSec, latencyUs, client, server, otherCores, errors, error, m);
  }

  /** The same result marked as round {@code n}. */
  public CaseResult withRound(int n) {
    return new CaseResult(
        id, stack, transport, payload, mode, inFlight, n, seconds, operations, opsPerSec,
        sentPerSec, latencyUs, client, server, otherCores, errors, error, memory);
  }
}
