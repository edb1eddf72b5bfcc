package io.communica.udp;

/**
 * What this process's UDP connections did, counted since it started ({@link
 * UdpConnector#counters()}). Subtract two snapshots for what happened between them.
 *
 * @param sent datagrams handed to the socket
 * @param received datagrams received that carried a frame the receiver accepts
 * @param dropped datagrams received and dropped: not a frame a peer may send (garbage, a frame
 *     over the limit, a type the receiver does not take), or from a new peer past the server's
 *     limit of peers
 * @param tooLarge messages refused on the sender because their frame does not fit a datagram
 * @since 0.3
 */
public record UdpCounters(long sent, long received, long dropped, long tooLarge) {

  /** The counts since {@code before}. */
  public UdpCounters minus(UdpCounters before) {
    return new UdpCounters(
        sent - before.sent, received - before.received, dropped - before.dropped,
        tooLarge - before.tooLarge);
  }
}
