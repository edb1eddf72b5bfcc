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
    @Nullable String error) {

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
   */
  public record Usage(
      double cpuSeconds, double cores, double cpuUsPerOp, long gcCount, long gcMillis) {}

  /** The case this result is of. */
  public BenchCase benchCase() {
    return new BenchCase(stack, transport, payload, mode);
  }

  /** The same result marked as round {@code n}. */
  public CaseResult withRound(int n) {
    return new CaseResult(
        id, stack, transport, payload, mode, inFlight, n, seconds, operations, opsPerSec,
        sentPerSec, latencyUs, client, server, otherCores, errors, error);
  }
}
