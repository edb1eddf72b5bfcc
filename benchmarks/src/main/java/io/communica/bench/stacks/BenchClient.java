package io.communica.bench.stacks;

/**
 * A connected benchmark client: one data connection for the workload and one control connection
 * for {@link #serverSnapshot()}, so that reading the server's counters never waits behind the
 * workload's backlog.
 */
public interface BenchClient extends AutoCloseable {

  /** One request and its reply, blocking the calling thread. */
  void roundTrip(byte[] payload) throws Exception;

  /**
   * Starts keeping {@code inFlight} requests outstanding and returns: each reply counts one
   * operation on the meter and issues the next request, until the meter is stopped.
   */
  void startRequests(byte[] payload, int inFlight, Meter meter) throws Exception;

  /**
   * Starts {@code Flux.range(...).flatMap(i -> request(payload), inFlight)}, the way users keep
   * requests in flight, counting each reply on the meter, and returns; the flux is cancelled once
   * the meter is stopped.
   */
  default void startFlatMap(byte[] payload, int inFlight, Meter meter) throws Exception {
    throw new UnsupportedOperationException("this stack is not reactive");
  }

  /**
   * Sends fire-and-forget messages on the calling thread, within {@code backlog}, counting each one
   * the transport took, until the meter is stopped.
   */
  void runFire(byte[] payload, Meter meter, Backlog backlog) throws Exception;

  /**
   * Starts one request-stream of items of {@code payload}'s size without end, requested in batches
   * ({@link io.communica.bench.BenchCase#STREAM_BATCH}, then half of it each time half arrived), each
   * item counted on the meter as it arrives, and returns; the stream is cancelled once the meter is
   * stopped.
   */
  default void startStream(byte[] payload, Meter meter) throws Exception {
    throw new UnsupportedOperationException("this stack has no streams");
  }

  /**
   * Opens {@code n} more connections to the server, each its own client as a user would make it,
   * that then stay idle; {@code opened} runs once per connection up (from any thread). Returns
   * once all are up; closing the result closes them.
   */
  default AutoCloseable openIdle(int n, Runnable opened) throws Exception {
    throw new UnsupportedOperationException("this stack has no memory modes");
  }

  /**
   * The server's {@link Memory}, asked over the control connection; {@code how} as {@link
   * Stack#memoryRequest}.
   */
  default Memory serverMemory(byte how) throws Exception {
    throw new UnsupportedOperationException("this stack has no memory modes");
  }

  /** The server's snapshot, its count being the data messages it received. */
  Snapshot serverSnapshot() throws Exception;

  @Override
  void close();
}
